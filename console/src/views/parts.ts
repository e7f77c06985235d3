import { when } from '../format.ts'
import { html } from '../html.ts'
import { label, t } from '../i18n.ts'
import { type AlertView, alertAction, alertTitle, districtName } from '../model.ts'

/** The alert's facts and its history (who did what, when), shared by the console and signed links. */
export function AlertDetails({ alert }: { alert: AlertView }) {
  const action = alertAction(alert.type)
  return html`
    <div class=${`card alert-head sev-${alert.severity}`}>
      <p><span class="badge">${label('sev', alert.severity)}</span> <span class="state">${label('st', alert.state)}</span></p>
      <p class="summary">${alert.summary}</p>
      ${action ? html`<p class="todo">${action}</p>` : null}
      <dl class="facts">
        <dt>${t('cabinet')}</dt><dd>${alert.cabinet_id} · ${districtName(alert.labels.district)}</dd>
        <dt>${t('started')}</dt><dd><time datetime=${alert.started_at}>${when(alert.started_at)}</time></dd>
        <dt>${t('team')}</dt><dd>${alert.team}</dd>
        <dt>${t('assignee')}</dt><dd>${alert.assignee ?? '—'}</dd>
      </dl>
    </div>
    <section aria-labelledby="history-h">
      <h2 id="history-h">${t('history')}</h2>
      <ol class="history">
        ${(alert.transitions ?? []).map(
          (x) => html`<li>
            <time datetime=${x.at}>${when(x.at)}</time>
            <span class="kind">${label('kind', x.kind)}</span>
            <span class="by">${t('by')} ${x.by}</span>
            ${x.comment ? html`<q>${x.comment}</q>` : null}
          </li>`,
        )}
      </ol>
    </section>
  `
}

export function titleOf(alert: AlertView): string {
  return `${alertTitle(alert.type)} (${alert.cabinet_id})`
}
