/** The money figures of a check, computed in one place from its items and taxes (integer cents). */
export function checkTotals(items: ReadonlyArray<{ price: number }>, taxes: number) {
  const subtotal = items.reduce((sum, item) => sum + item.price, 0);
  return { subtotal, taxes, total: subtotal + taxes };
}
