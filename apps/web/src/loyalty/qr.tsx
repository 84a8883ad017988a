import QRCode from 'qrcode';
import { useMemo } from 'react';

/** The light margin a scanner needs around the code, in modules (the QR specification's quiet zone). */
const QUIET_ZONE = 4;

/**
 * The SVG path of a QR code's dark modules, one `h` run per row segment: computed from the module matrix npm
 * `qrcode` makes (`QRCode.create`), in this browser, so the token never leaves the page to be drawn. No markup
 * string is built or parsed: the pages' policy forbids HTML sinks (Trusted Types) and data: images, and React draws
 * the one path element from the `d` attribute.
 */
export function qrPath(text: string): { size: number; d: string } {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const { size, data } = modules;
  const runs: string[] = [];
  for (let row = 0; row < size; row++) {
    let col = 0;
    while (col < size) {
      if (!data[row * size + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < size && data[row * size + col]) col++;
      runs.push(`M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h-${col - start}z`);
    }
  }
  return { size: size + 2 * QUIET_ZONE, d: runs.join('') };
}

/** A QR code of `text`, drawn as an inline SVG image named by `label`; it scales to its box, crisp at any size. */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { size, d } = useMemo(() => qrPath(text), [text]);
  return (
    <svg
      className="qr"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${size} ${size}`}
      shapeRendering="crispEdges"
      xmlns="http://www.w3.org/2000/svg"
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
