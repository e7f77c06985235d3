import { describe, expect, it } from 'vitest'
import { coverageLine } from '../../../../gateway/store/schema/index.ts'

describe('coverage line protocol', () => {
  it('tags the district and carries the share, counts, radius and usable AEDs', () => {
    const line = coverageLine(
      { district_code: '1047', share: 0.75, covered: 3, points: 4, radius_m: 300 },
      5,
      1795665600000,
    )
    expect(line).toBe(
      'coverage,district=1047 covered=3i,points=4i,radius_m=300,share=0.75,usable=5i 1795665600000',
    )
  })
})
