/** What an engine's runOnce() step reports to whatever drives it (a Node loop, a Workers alarm). */
export interface StepResult {
  /** Epoch ms of the earliest known future work, or null when there is none. */
  nextDueAt: number | null;
  /** True when the step claimed a full batch: run again at once. */
  more: boolean;
}
