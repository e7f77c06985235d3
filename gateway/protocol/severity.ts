/** Alert severities, least to most urgent: alert payloads and the API carry them (contract). */
export const SEVERITIES = ['minor', 'warning', 'major', 'critical'] as const
export type Severity = (typeof SEVERITIES)[number]
