import { keccak256 } from '../../src/wire/keccak.ts'
const big = new Uint8Array(102400)
for (let i = 0; i < 12; i++) { const t = performance.now(); keccak256(big); console.log(i, (performance.now() - t).toFixed(3)) }
