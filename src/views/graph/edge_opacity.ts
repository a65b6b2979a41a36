// Edge opacity of the regulation graph, apart from encoding.ts so Node tests can import it
// without the state and worker types encoding.ts names.

/** Links up to which prior edges keep their full resting opacity. */
const OPACITY_FULL_LINKS = 800;

/**
 * Resting opacity of prior-knowledge edges: 0.55 up to 800 links, then falling as 1/√links
 * (0.14 at 12k links, floor 0.08), so a dense graph shows where links bunch rather than one solid mass.
 */
export const edgeOpacity = (nLinks: number): number =>
  Math.max(0.08, 0.55 * Math.min(1, Math.sqrt(OPACITY_FULL_LINKS / Math.max(1, nLinks))));

/** While a gene is hovered, the other edges fade to this fraction of their resting opacity. */
export const FOCUS_FADE = 0.27;
