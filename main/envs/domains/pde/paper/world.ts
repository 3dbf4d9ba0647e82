/**
 * What one paper PDE pack holds (agentscope-ai/Trinity-RFT @ 139d1c43, pde_discovery/workflow.py): the hidden law
 * and the simulated trajectories (one per task position, `traj_{(position − 1) mod S}`, S the pack size), which
 * never change, and PDEPackState, what the tasks of the pack share and task 0 starts afresh: every sampled dataset,
 * the sample counter, the latest regression equation, the latest finalised equation and the evidence memory that the
 * next tasks' user turns show.
 */
import { LAW_FAMILIES } from './families.ts';
import { drawHiddenLaw, eligibleTemplates, familyAmplitudeUpper, trajectoryInitial, type HiddenLaw } from './law.ts';
import { DenseTrajectory, linspace } from './numeric.ts';
import type { PaperPdeParams } from './params.ts';
import type { EvidenceMemory } from './prompts.ts';

export interface Dataset {
  readonly x: readonly number[];
  readonly t: readonly number[];
  readonly u: readonly number[];
  readonly y: readonly number[];
  readonly taskPosition: number;
}

export interface EvidenceEntry {
  readonly taskPosition: number;
  readonly preferredEquation: string;
}

/** PDEPackState's mutable part. */
export class PaperPackState {
  /** dataset_id → data, in insertion order. */
  readonly datasets = new Map<string, Dataset>();
  sampleCounter = 0;
  latestRegressionEquation = '';
  preferredEquation = '';
  preferredSupport: readonly string[] = [];
  preferredCoefficients: ReadonlyMap<string, number> = new Map();
  /** last_context_update's evidence_memory (shown as "Prior task evidence"). */
  evidenceMemory: EvidenceMemory | null = null;
  /** The latest S finalisations (summarize_pack_evidence). */
  evidenceHistory: EvidenceEntry[] = [];
}

/** The hidden part of a pack: its law and its trajectories (simulated on first use). */
export class PaperPdeWorld {
  readonly law: HiddenLaw;
  private readonly trajectories = new Map<number, DenseTrajectory>();
  private readonly amplitudeUpper: number;

  constructor(
    readonly seed: string,
    readonly params: PaperPdeParams,
    readonly packSize: number,
    /** The pack's index in its suite (OpenPackArgs.packIndex): the bench's template assignment. */
    packIndex?: number,
  ) {
    const templates = LAW_FAMILIES[params.family];
    this.amplitudeUpper = familyAmplitudeUpper(
      params.family,
      templates,
      params.minTerms,
      params.maxTerms,
      params.stateAbsLimit,
    );
    this.law = drawHiddenLaw(
      seed,
      eligibleTemplates(templates, params.minTerms, params.maxTerms),
      this.trajectorySpec(),
      params.stateAbsLimit,
      params.evalTemplateCount !== undefined && packIndex !== undefined
        ? packIndex % params.evalTemplateCount
        : undefined,
    );
  }

  private trajectorySpec() {
    return {
      seed: this.seed,
      count: this.packSize,
      amplitudeUpper: this.amplitudeUpper,
      shape: this.params.initialShape,
    };
  }

  /** Trajectory `index` (0-based) of the pack on the dense grid. */
  trajectory(index: number): DenseTrajectory {
    let traj = this.trajectories.get(index);
    if (!traj) {
      const nx = Math.max(17, this.params.gridSize) + (Math.max(17, this.params.gridSize) % 2 === 0 ? 1 : 0);
      const u0 = trajectoryInitial(this.trajectorySpec(), index, linspace(0.0, 1.0, nx));
      traj = new DenseTrajectory(
        { nx, nt: this.params.timeSteps },
        u0,
        this.law.coefficients,
        this.params.stateAbsLimit,
      );
      this.trajectories.set(index, traj);
    }
    return traj;
  }
}
