/**
 * The views that show a Run's results: feature maps, histogram, timing, top
 * classes with the ImageNet names, and the receptive field of a picked unit;
 * with them, the diagram's hover card, which shares the receptive field's
 * drawing. The panel imports them as a chunk of their own once the first
 * diagram is painted (panel/app.ts), so the page's first paint does not wait
 * for the script of views that only a Run, or a hover, needs.
 */
export { renderFeatureMaps } from './featureMaps';
export { renderHistogram } from './histogram';
export { renderTiming } from './timing';
export { renderTopClasses } from './topClasses';
export { classScoresOutput, toProbabilities } from './classes';
export { imagenetClassNames } from './imagenetClasses';
export { ReceptiveFieldPanel } from './receptiveFieldPanel';
export { ReceptiveFieldHover } from './receptiveFieldHover';
