/** API roles, least to most: each may do what the ones before it may. */
// dispatcher: an emergency dispatch centre (1669); reads like a viewer and sees live nearest AEDs
export const ROLES = ['viewer', 'dispatcher', 'maintainer', 'admin'] as const
export type Role = (typeof ROLES)[number]

export interface TokenIdentity {
  name: string
  role: Role
}

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need)
}
