/**
 * The files `cod pretrain` leaves in its output directory, named once for pretrain() and for the scripts that read
 * them (scripts/pretrain-builtin.ts) without loading the training code.
 */

/** Where a stopped pretraining keeps what resuming needs (removed when it finishes). */
export const STATE_DIR = '.pretrain-state';

/** The finished run's record: its options, summary and, for a continued warm start, the stage it began from. */
export const PRETRAIN_RECORD = 'pretrain.json';
