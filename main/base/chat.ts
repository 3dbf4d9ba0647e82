/**
 * A conversation with a model as every layer keeps it: the lifecycle runner's prompts (cod), the run store's sample
 * rows (store), the api's sample views. Declared here, on the ground floor, so the store need not import cod.
 */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** The two kinds of model call in a CoD lifecycle: solving a task, and updating the notes after it. */
export type EpisodeKind = 'solve' | 'update';
