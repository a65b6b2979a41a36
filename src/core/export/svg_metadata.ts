/** SVG export helpers: provenance as <metadata>, and text escaping for names that may hold markup. */

/** Escape text for use in SVG/XML content or attribute values (gene names can hold `<`, `&`, quotes). */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A <metadata> element holding one <glasswing:entry key=".." value=".."/> per provenance entry. */
export function svgMetadata(entries: [string, string][]): string {
  const items = entries.map(([k, v]) => `<glasswing:entry key="${escapeXml(k)}" value="${escapeXml(v)}"/>`).join('');
  return `<metadata><glasswing:provenance xmlns:glasswing="urn:glasswing:provenance">${items}</glasswing:provenance></metadata>`;
}

/** Insert `svgMetadata(entries)` right after the opening <svg ...> tag of a serialised SVG document. */
export function withSvgMetadata(svg: string, entries: [string, string][]): string {
  const open = svg.indexOf('<svg');
  const end = open < 0 ? -1 : svg.indexOf('>', open);
  if (end < 0) throw new Error('This is not an SVG document, so its provenance cannot be embedded.');
  return svg.slice(0, end + 1) + svgMetadata(entries) + svg.slice(end + 1);
}
