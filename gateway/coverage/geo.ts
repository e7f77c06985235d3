/** Mean Earth radius, IUGG (Moritz, "Geodetic Reference System 1980", R1 = 6,371,008.8 m). */
export const EARTH_RADIUS_M = 6_371_008.8

const RAD = Math.PI / 180

/** Great-circle distance in metres (haversine on a sphere of the mean radius; ≤ 0.5 % off the ellipsoid). */
export function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD
  const dLon = (lon2 - lon1) * RAD
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)))
}

export interface WalkingModel {
  /** Walking route length over straight-line distance (streets, crossings, entrances). */
  detour_factor: number
  walking_speed_mps: number
}

export interface WalkingEstimate {
  /** Great-circle distance. */
  distance_m: number
  /** distance_m × detour factor: the estimate every radius and `max_m` is compared with. */
  walking_distance_m: number
  walking_time_s: number
}

/** The walking estimate of a great-circle distance: the detour factor is applied here, once. */
export function walking(distanceM: number, model: WalkingModel): WalkingEstimate {
  const walk = distanceM * model.detour_factor
  return {
    distance_m: Math.round(distanceM),
    walking_distance_m: Math.round(walk),
    walking_time_s: Math.round(walk / model.walking_speed_mps),
  }
}
