// cost table for (f0,f1,f2,g)
const cost = new Uint8Array(16)
for (let k = 0; k < 16; k++) {
  const f0 = !!(k & 1), f1 = !!(k & 2), f2 = !!(k & 4), g = !!(k & 8)
  let best = 9
  for (let bits = 0; bits < 16; bits++) {
    const n0 = !!(bits & 1), n1 = !!(bits & 2), n2 = !!(bits & 4), or = !!(bits & 8)
    let ok = true
    for (let row = 0; row < 8 && ok; row++) {
      const t0 = !!(row & 1), t1 = !!(row & 2), t2 = !!(row & 4)
      const s0 = t0 !== f0 !== n0, s1 = t1 !== f1 !== n1, s2 = t2 !== f2 !== n2
      ok = (s0 !== (or ? s1 || s2 : s1 && s2)) === (t0 !== (!t1 && t2) !== g)
    }
    if (ok) best = Math.min(best, +n0 + +n1 + +n2)
  }
  cost[k] = best
}
console.log([...cost])
let bestC = 99, bestP = 0, countBest = 0
const piTo = new Int32Array(25)
for (let i = 0; i < 25; i++) { const x = i % 5, y = (i / 5) | 0; piTo[i] = y + 5 * ((2 * x + 3 * y) % 5) }
const fB = new Uint8Array(25)
for (let P = 0; P < 1 << 25; P++) {
  let c = [0, 0, 0, 0, 0]
  for (let i = 0; i < 25; i++) if ((P >> i) & 1) c[i % 5] ^= 1
  for (let i = 0; i < 25; i++) { const x = i % 5; fB[piTo[i]!] = ((P >> i) & 1) ^ c[(x + 4) % 5]! ^ c[(x + 1) % 5]! }
  let total = 0
  for (let i = 0; i < 25 && total < bestC + 1; i++) {
    const x = i % 5, y = (i / 5) | 0
    total += cost[fB[i]! | (fB[((x + 1) % 5) + 5 * y]! << 1) | (fB[((x + 2) % 5) + 5 * y]! << 2) | (((P >> i) & 1) << 3)]!
  }
  const pop = (P.toString(2).match(/1/g) ?? []).length
  if (total < bestC) { bestC = total; bestP = P; countBest = 1; console.log('new best', total, [...Array(25).keys()].filter((i) => (P >> i) & 1)) }
}
console.log('best', bestC)
