/**
 * The card type codes of the mobile payments API (`card.type`), with what each stands for. The
 * payments service accepts exactly these; the REST facade and the OpenAPI document list the same ones.
 */
export const CARD_TYPES = {
  AX: 'American Express',
  YC: 'IT’S YOUR CARD (gift card hosted by Shift4)',
  WP: 'WeChat Pay',
  VS: 'Visa',
  SC: 'Sears Canada',
  PL: 'Private Label',
  NS: 'Discover/JCB/Novus',
  MC: 'Mastercard',
  JC: 'JCB',
  GC: 'Gift Card',
  DB: 'Debit Card',
  CI: 'Citgo',
  BC: 'Backed Card',
  AP: 'Alipay',
} as const;

export type CardTypeCode = keyof typeof CARD_TYPES;

export const CARD_TYPE_CODES = Object.keys(CARD_TYPES) as [CardTypeCode, ...CardTypeCode[]];
