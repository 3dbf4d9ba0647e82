/**
 * The solve conversation as the policy sees it under a HistoryCompression rule, against a line-by-line transcription
 * of the reference's loop (agentscope-ai/Trinity-RFT @ 139d1c43, connect_the_dots/pde_discovery/workflow.py,
 * CoDPDEDiscoveryWorkflow._compress_memory; base_workflow.py @ 1d7fae4a, run_async calls it after every step, which
 * sets current_step = step_num + 1). The reference mutates its memory after each step; the lifecycle keeps every turn
 * whole and shortens each request: both must show the model the same messages at every turn.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shownConversation } from '../../../main/cod/conversation.ts';
import type { ChatMessage } from '../../../main/cod/policy.ts';
import { PAPER_PDE_HISTORY } from '../../../main/envs/domains/pde/paper/episode.ts';

type Msg = { role: 'system' | 'user' | 'assistant'; content: string };

/** _compress_memory on the reference's memory, in place (its super() call is a no-op under keep_all). */
function referenceCompress(memory: Msg[], currentStep: number): void {
  const oldFeedbackCutoff = Math.max(1, currentStep - 1);
  let seenUserMessages = 0;
  for (const msg of memory) {
    if (msg.role !== 'user') continue;
    seenUserMessages += 1;
    const content = msg.content;
    if (seenUserMessages >= oldFeedbackCutoff || !content.includes('Action feedback:')) continue;
    msg.content = content.split('Action feedback:')[0] + 'Action feedback:\n[History compressed.]';
  }
}

/** What the reference sends at each step: run_async / step_async with the given user turns and responses. */
function referenceRequests(system: string, users: readonly string[], responses: readonly string[]): Msg[][] {
  const memory: Msg[] = [{ role: 'system', content: system }];
  const sent: Msg[][] = [];
  users.forEach((user, stepNum) => {
    memory.push({ role: 'user', content: user });
    sent.push(memory.map((m) => ({ ...m })));
    memory.push({ role: 'assistant', content: responses[stepNum] });
    referenceCompress(memory, stepNum + 1);
  });
  return sent;
}

/** The lifecycle's side: whole turns kept, each request shortened (main/cod/episode.ts runSolveEpisode). */
function lifecycleRequests(system: string, users: readonly string[], responses: readonly string[]): ChatMessage[][] {
  let messages: ChatMessage[] = [{ role: 'system', content: system }];
  const sent: ChatMessage[][] = [];
  users.forEach((user, k) => {
    messages = [...messages, { role: 'user', content: user }];
    sent.push([...shownConversation(messages, PAPER_PDE_HISTORY)]);
    messages = [...messages, { role: 'assistant', content: responses[k] }];
  });
  return sent;
}

describe('shownConversation with the paper PDE rule (workflow.py @ 139d1c43, _compress_memory)', () => {
  it('shows the model the same messages as the reference at every step', () => {
    const piece = fc.constantFrom(
      'Task 1/4 | Step 2/6\n',
      'Action feedback:',
      '\nAction feedback:\nx',
      'é',
      '\n\n',
      'y',
    );
    const text = fc.array(piece, { maxLength: 6 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 9 }), text, (turns, system) => {
        const users = turns.map(([u]) => u);
        const responses = turns.map(([, r]) => r);
        expect(lifecycleRequests(system, users, responses)).toEqual(referenceRequests(system, users, responses));
      }),
      { numRuns: 300 },
    );
  });

  it('a concrete PDE turn: the fifth request shortens the second user turn only, after its first marker', () => {
    const head = 'Task 1/4 | Step 2/6\nPoint budget: 6/6 remaining\n\nDatasets: none\n\n\n';
    const users = [
      'Task 1/4 | Step 1/6\n\nNo action has been taken in this task yet.\n\nChoose the next action.',
      `${head}Action feedback:\nPack evidence summary: no prior task evidence.\n\nChoose the next action.`,
      'Task 1/4 | Step 3/6\n\nAction feedback:\nError: x\n\nChoose the next action.',
      'Task 1/4 | Step 4/6\n\nAction feedback:\nError: y\n\nChoose the next action.',
      'Task 1/4 | Step 5/6\n\nAction feedback:\nError: z\n\nChoose the next action.',
    ];
    const responses = ['<answer>a</answer>', '<answer>b</answer>', '<answer>c</answer>', '<answer>d</answer>'];
    const sent = lifecycleRequests('rules', users, responses);
    // Requests 1-4: every user turn whole (the first has no marker; the second is among the last three).
    expect(sent.slice(0, 4).map((m) => m.filter((x) => x.role === 'user').map((x) => x.content))).toEqual([
      users.slice(0, 1),
      users.slice(0, 2),
      users.slice(0, 3),
      users.slice(0, 4),
    ]);
    expect(sent[4].map((m) => m.content)).toEqual([
      'rules',
      users[0], // no "Action feedback:" in it: kept whole
      '<answer>a</answer>',
      `${head}Action feedback:\n[History compressed.]`,
      '<answer>b</answer>',
      users[2],
      '<answer>c</answer>',
      users[3],
      '<answer>d</answer>',
      users[4],
    ]);
  });

  it('leaves the conversation as it is without a rule', () => {
    const m: ChatMessage[] = [
      { role: 'user', content: 'Action feedback: a' },
      { role: 'user', content: 'Action feedback: b' },
      { role: 'user', content: 'Action feedback: c' },
      { role: 'user', content: 'Action feedback: d' },
    ];
    expect(shownConversation(m, undefined)).toBe(m);
  });
});
