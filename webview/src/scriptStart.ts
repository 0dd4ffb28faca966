/**
 * Imported first by main.ts, so that this mark is the first code of the
 * bundle to run: the time before it is fetching and compiling the script,
 * the time after it until `modules` is the bundle's modules setting up.
 */
import { markOnce } from './marks';

markOnce('script');
