/** The run-state rules the CLI, the services and the renderer share (main/api/run-state.ts). */
import { describe, expect, it } from 'vitest';
import { canResume, isInterrupted, resumeBlock, shownStatus } from '../../../main/api/run-state.ts';

describe('run state', () => {
  it('a running run without a live trainer reads as interrupted and can be resumed', () => {
    expect(shownStatus({ status: 'running', live: true })).toBe('running');
    expect(shownStatus({ status: 'running', live: false })).toBe('interrupted');
    expect(isInterrupted({ status: 'stopped', live: false })).toBe(false);
    expect(canResume({ status: 'running', live: false })).toBe(true);
    expect(canResume({ status: 'stopped', live: false })).toBe(true);
    expect(canResume({ status: 'failed', live: false })).toBe(true);
  });

  it('a live trainer blocks resuming whatever the status', () => {
    for (const status of ['created', 'running', 'stopped', 'failed', 'finished'] as const)
      expect(resumeBlock({ status, live: true, lastStep: 3 }, 10)).toBe('live');
  });

  it('a finished run resumes only to train past its last step', () => {
    expect(resumeBlock({ status: 'finished', live: false, lastStep: 4 })).toBe('finished');
    expect(resumeBlock({ status: 'finished', live: false, lastStep: 4 }, 4)).toBe('finished');
    expect(resumeBlock({ status: 'finished', live: false, lastStep: 4 }, 5)).toBeNull();
    expect(resumeBlock({ status: 'stopped', live: false, lastStep: 4 }, 4)).toBeNull();
  });
});
