/**
 * The bar a running cell shows for its current stage (`progress(label)` in the cell): the
 * stage's name, a bar and the percentage, as an ARIA progressbar named after the stage.
 */
import { html, type TemplateResult } from 'lit';
import type { StageProgress } from '../kernel/progress.ts';
import './stage-progress.css';

/** A running cell's current stage as a labelled progress bar (fraction 0..1 shown as a percentage). */
export function renderStageProgress(progress: StageProgress): TemplateResult {
  const percent = Math.floor(Math.min(1, Math.max(0, progress.fraction)) * 100);
  return html`
    <div class="vb-stage-progress" role="progressbar" aria-label=${`${progress.label} progress`} aria-valuemin="0" aria-valuemax="100"
      aria-valuenow=${percent} data-stage=${progress.label}>
      <span class="vb-stage-label">${progress.label}</span>
      <span class="vb-stage-track"><span class="vb-stage-bar" style=${`width: ${percent}%`}></span></span>
      <span class="vb-stage-percent">${percent}%</span>
    </div>
  `;
}
