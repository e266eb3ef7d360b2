import { keccak256Batch } from '../../src/wire/keccak.ts'
const inputs = Array.from({ length: 50 }, (_, i) => new Uint8Array(200 + i))
for (let i = 0; i < 3; i++) keccak256Batch(inputs)
