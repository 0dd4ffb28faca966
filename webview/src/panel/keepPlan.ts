/**
 * What a run keeps for browsing. The layers' outputs stay on the backend as
 * tensors (engine/retained.ts), and a layer is read back only when the panel
 * shows it; past a budget the rest are freed, and a layer among them needs
 * another run to be shown.
 */

/** 32 million values: 128 MB of float32 kept on the backend at most. */
export const keptValuesBudget = 32 * 1024 * 1024;

/** The outputs to read back during the run: the selected layer's (the runner adds the network's output itself). */
export function readDuringRun(selected: number | null): number[] {
  return selected === null ? [] : [selected];
}
