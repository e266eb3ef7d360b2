/**
 * Generates our Keccak-256 WebAssembly modules (the source of src/wire/keccakWasmModule.ts).
 *
 *   node_modules/.bin/node scripts/genKeccakWasm.ts          # rewrites src/wire/keccakWasmModule.ts
 *   node_modules/.bin/node scripts/genKeccakWasm.ts --wat    # prints the SIMD module's WAT
 *
 * Why generated: no C-to-wasm compiler is installed, and Keccak-f[1600] is pure straight-line
 * arithmetic on 25 64-bit lanes, so emitting WebAssembly text for its rounds is short and exact.
 * The text is assembled with the `wabt` devDependency (deterministic output; a unit test
 * regenerates and compares the committed bytes). Round constants and rotation offsets are
 * derived here from their definitions (FIPS 202 §3.2) rather than typed in.
 *
 * Two modules come out of one description:
 * - scalar: the state in 25 i64 locals; runs anywhere WebAssembly 1.0 + bulk memory runs;
 * - simd: the scalar functions plus `hashBatchSimd`, which keeps two independent states in the
 *   two i64 lanes of 25 v128 locals (multi-buffer hashing: each lane pulls the next message of
 *   the batch as soon as its own message is finished, so mixed lengths keep both lanes busy).
 *
 * Exported functions (all offsets are byte addresses in the exported memory; one fixed scalar
 * state lives at STATE_PTR, so calls are not reentrant, which single-threaded JS guarantees):
 * - reset(): zero the state;
 * - absorb(in, blocks): absorb `blocks` whole 136-byte blocks at `in` into the state;
 * - finish(in, len, out): pad the `len` bytes at `in` IN PLACE (the caller leaves room up to the
 *   next multiple of 136 above len), absorb them, write the 32-byte digest at `out`;
 * - hash(in, len, out): reset + finish;
 * - hashBatch(desc, count) / hashBatchSimd(desc, count): hash `count` messages described by a
 *   table of {u32 ptr, u32 len, u32 out} (12 bytes each, little-endian) at `desc`; each message
 *   is padded in place like `finish`. Messages of one batch must not overlap outputs of the
 *   same batch (the trie hashes one tree level per batch).
 */
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import wabtInit from 'wabt'

/** Keccak-256 rate: 1088 bits. */
export const RATE_BYTES = 136
const RATE_LANES = RATE_BYTES / 8
const STATE_LANES = 25
const ROUNDS = 24
/** Where the scalar state lives (200 bytes); the JS side keeps its buffers above RESERVED. */
export const STATE_PTR = 0
/** Bytes at the start of memory owned by the module (state); callers use memory above this. */
export const RESERVED_BYTES = 512
/** The 24 round constants (u64 little-endian), for the looped permutation. */
const RC_TABLE_PTR = 256
const DESCRIPTOR_BYTES = 12
const INITIAL_MEMORY_PAGES = 2

/** Round constants RC[i] from the rc(t) LFSR (FIPS 202 Algorithm 5/6). */
function roundConstants(): bigint[] {
  let r = 1
  const rcBit = (): number => {
    const bit = r & 1
    r = r & 0x80 ? ((r << 1) ^ 0x171) & 0xff : (r << 1) & 0xff
    return bit
  }
  const out: bigint[] = []
  for (let round = 0; round < ROUNDS; round++) {
    let rc = 0n
    for (let j = 0; j <= 6; j++) if (rcBit() === 1) rc |= 1n << BigInt((1 << j) - 1)
    out.push(rc)
  }
  return out
}

/** rho offsets r[x + 5y] (FIPS 202 Algorithm 2). */
function rotationOffsets(): number[] {
  const r = new Array<number>(STATE_LANES).fill(0)
  let x = 1
  let y = 0
  for (let t = 0; t < 24; t++) {
    r[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64
    ;[x, y] = [y, (2 * x + 3 * y) % 5]
  }
  return r
}

const RC = roundConstants()
const RHO = rotationOffsets()

const hex64 = (v: bigint): string => `0x${v.toString(16).padStart(16, '0')}`

/** How one lane type (i64 or two i64 lanes in a v128) spells the operations of a round. */
interface LaneOps {
  type: 'i64' | 'v128'
  xor(a: string, b: string): string
  /** a AND NOT b */
  andNot(a: string, b: string): string
  /** The statement `dst = rotl(src, n)`; `src` is a local name. */
  rotl(dst: string, src: string, n: number): string
  roundConstant(rc: bigint): string
  /** The round constant at table address `ptr` + `offset`. */
  loadRoundConstant(ptr: string, offset: number): string
}

const scalarOps: LaneOps = {
  type: 'i64',
  xor: (a, b) => `(i64.xor ${a} ${b})`,
  andNot: (a, b) => `(i64.and ${a} (i64.xor ${b} (i64.const -1)))`,
  rotl: (dst, src, n) =>
    n === 0
      ? `(local.set ${dst} (local.get ${src}))`
      : `(local.set ${dst} (i64.rotl (local.get ${src}) (i64.const ${n})))`,
  roundConstant: (rc) => `(i64.const ${hex64(rc)})`,
  loadRoundConstant: (ptr, offset) => `(i64.load offset=${offset} ${ptr})`,
}

/** Byte shuffle rotating both 64-bit lanes left by `n` (a multiple of 8) bits. */
function byteRotateShuffle(n: number): string {
  const shift = n / 8
  const idx: number[] = []
  for (let lane = 0; lane < 2; lane++) {
    for (let k = 0; k < 8; k++) idx.push(lane * 8 + ((k - shift + 8) % 8))
  }
  return idx.join(' ')
}

const simdOps: LaneOps = {
  type: 'v128',
  xor: (a, b) => `(v128.xor ${a} ${b})`,
  andNot: (a, b) => `(v128.andnot ${a} ${b})`,
  rotl: (dst, src, n) => {
    const s = `(local.get ${src})`
    if (n === 0) return `(local.set ${dst} ${s})`
    // Whole-byte rotations are one byte shuffle.
    if (n % 8 === 0) return `(local.set ${dst} (i8x16.shuffle ${byteRotateShuffle(n)} ${s} ${s}))`
    // No 64-bit rotate in wasm SIMD: (x << n) | (x >> 64-n); x << 1 as x + x.
    const left = n === 1 ? `(i64x2.add ${s} ${s})` : `(i64x2.shl ${s} (i32.const ${n}))`
    return `(local.set ${dst} (v128.or ${left} (i64x2.shr_u ${s} (i32.const ${64 - n}))))`
  },
  roundConstant: (rc) => `(v128.const i64x2 ${hex64(rc)} ${hex64(rc)})`,
  loadRoundConstant: (ptr, offset) => `(v128.load64_splat offset=${offset} ${ptr})`,
}

const a = (i: number): string => `(local.get $a${i})`
const b = (i: number): string => `(local.get $b${i})`

/** Locals a0..a24 (state), b0..b24, c0..c4, d0..d4, t (temporaries), and the round pointer. */
function permutationLocals(ops: LaneOps): string {
  const type = ops.type
  const names: string[] = []
  for (let i = 0; i < STATE_LANES; i++) names.push(`$a${i}`, `$b${i}`)
  for (let i = 0; i < 5; i++) names.push(`$c${i}`, `$d${i}`)
  names.push('$t')
  return `${names.map((n) => `(local ${n} ${type})`).join(' ')} (local $round i32)`
}

/**
 * Keccak-f[1600] on locals a0..a24: `unroll` rounds (theta, rho+pi, chi, iota) written out, in a
 * loop of ROUNDS / unroll iterations whose round constants come from the RC table in memory.
 */
function permutation(ops: LaneOps, unroll: number): string[] {
  if (!Number.isInteger(unroll) || unroll < 1 || ROUNDS % unroll !== 0) {
    throw new RangeError(`unroll must divide ${ROUNDS}, got ${unroll}`)
  }
  const out: string[] = []
  if (unroll < ROUNDS) {
    out.push(`(local.set $round (i32.const ${RC_TABLE_PTR}))`, '(loop $rounds')
  }
  for (let round = 0; round < unroll; round++) {
    // theta: column parities c[x], then d[x] = c[x-1] ^ rotl(c[x+1], 1).
    for (let x = 0; x < 5; x++) {
      const c = ops.xor(ops.xor(ops.xor(ops.xor(a(x), a(x + 5)), a(x + 10)), a(x + 15)), a(x + 20))
      out.push(`(local.set $c${x} ${c})`)
    }
    for (let x = 0; x < 5; x++) {
      out.push(ops.rotl('$t', `$c${(x + 1) % 5}`, 1))
      out.push(`(local.set $d${x} ${ops.xor(`(local.get $c${(x + 4) % 5})`, '(local.get $t)')})`)
    }
    // theta applied on the fly, then rho (rotate) and pi (move lane (x, y) to (y, 2x + 3y)).
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 5; x++) {
        const from = x + 5 * y
        const to = y + 5 * ((2 * x + 3 * y) % 5)
        out.push(`(local.set $t ${ops.xor(a(from), `(local.get $d${x})`)})`)
        out.push(ops.rotl(`$b${to}`, '$t', RHO[from] as number))
      }
    }
    // chi: a[x, y] = b[x, y] ^ (~b[x+1, y] & b[x+2, y]); iota on lane 0.
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 5; x++) {
        const i = x + 5 * y
        const chi = ops.xor(b(i), ops.andNot(b(((x + 2) % 5) + 5 * y), b(((x + 1) % 5) + 5 * y)))
        const rc =
          unroll === ROUNDS
            ? ops.roundConstant(RC[round] as bigint)
            : ops.loadRoundConstant(`(local.get $round)`, 8 * round)
        out.push(`(local.set $a${i} ${i === 0 ? ops.xor(chi, rc) : chi})`)
      }
    }
  }
  if (unroll < ROUNDS) {
    out.push(
      `(local.set $round (i32.add (local.get $round) (i32.const ${8 * unroll})))`,
      `(br_if $rounds (i32.lt_u (local.get $round) (i32.const ${RC_TABLE_PTR + 8 * ROUNDS})))`,
      ')',
    )
  }
  return out
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** Scalar functions shared by both modules. */
function scalarFunctions(unroll: number): string {
  const perm = permutation(scalarOps, unroll).join('\n      ')
  const loadState = range(STATE_LANES)
    .map((j) => `(local.set $a${j} (i64.load offset=${8 * j} (i32.const ${STATE_PTR})))`)
    .join('\n    ')
  const storeState = range(STATE_LANES)
    .map((j) => `(i64.store offset=${8 * j} (i32.const ${STATE_PTR}) (local.get $a${j}))`)
    .join('\n    ')
  const absorbBlock = range(RATE_LANES)
    .map(
      (j) =>
        `(local.set $a${j} (i64.xor (local.get $a${j}) (i64.load offset=${8 * j} (local.get $in))))`,
    )
    .join('\n      ')
  const squeeze = range(4)
    .map(
      (j) =>
        `(i64.store offset=${8 * j} (local.get $out) (i64.load offset=${8 * j} (i32.const ${STATE_PTR})))`,
    )
    .join('\n    ')
  return `
  (func $reset (export "reset")
    (memory.fill (i32.const ${STATE_PTR}) (i32.const 0) (i32.const ${STATE_LANES * 8})))

  ;; Pads the message at p (len bytes) in place to whole blocks; returns the block count.
  (func $pad (param $p i32) (param $len i32) (result i32)
    (local $blocks i32) (local $end i32)
    (local.set $blocks (i32.add (i32.div_u (local.get $len) (i32.const ${RATE_BYTES})) (i32.const 1)))
    (local.set $end (i32.add (local.get $p) (i32.mul (local.get $blocks) (i32.const ${RATE_BYTES}))))
    (memory.fill (i32.add (local.get $p) (local.get $len)) (i32.const 0)
      (i32.sub (local.get $end) (i32.add (local.get $p) (local.get $len))))
    (i32.store8 (i32.add (local.get $p) (local.get $len)) (i32.const 0x01))
    (i32.store8 (i32.sub (local.get $end) (i32.const 1))
      (i32.or (i32.load8_u (i32.sub (local.get $end) (i32.const 1))) (i32.const 0x80)))
    (local.get $blocks))

  (func $absorb (export "absorb") (param $in i32) (param $blocks i32)
    ${permutationLocals(scalarOps)}
    ${loadState}
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $blocks)))
      ${absorbBlock}
      ${perm}
      (local.set $in (i32.add (local.get $in) (i32.const ${RATE_BYTES})))
      (local.set $blocks (i32.sub (local.get $blocks) (i32.const 1)))
      (br $next)))
    ${storeState})

  (func $squeeze (param $out i32)
    ${squeeze})

  (func $finish (export "finish") (param $in i32) (param $len i32) (param $out i32)
    (call $absorb (local.get $in) (call $pad (local.get $in) (local.get $len)))
    (call $squeeze (local.get $out)))

  (func $hash (export "hash") (param $in i32) (param $len i32) (param $out i32)
    (call $reset)
    (call $finish (local.get $in) (local.get $len) (local.get $out)))

  (func $hashBatch (export "hashBatch") (param $desc i32) (param $count i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $desc) (i32.mul (local.get $count) (i32.const ${DESCRIPTOR_BYTES}))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $desc) (local.get $end)))
      (call $hash (i32.load (local.get $desc)) (i32.load offset=4 (local.get $desc))
        (i32.load offset=8 (local.get $desc)))
      (local.set $desc (i32.add (local.get $desc) (i32.const ${DESCRIPTOR_BYTES})))
      (br $next)))
  )`
}

/** The two-lane multi-buffer batch function (SIMD module only). */
function simdBatchFunction(unroll: number): string {
  const perm = permutation(simdOps, unroll).join('\n      ')
  const absorbBoth = range(RATE_LANES)
    .map(
      (j) =>
        `(local.set $a${j} (v128.xor (local.get $a${j}) (i64x2.replace_lane 1 ` +
        `(v128.load64_zero offset=${8 * j} (local.get $pA)) (i64.load offset=${8 * j} (local.get $pB)))))`,
    )
    .join('\n      ')
  const digest = (lane: number, out: string): string =>
    range(4)
      .map(
        (j) =>
          `(i64.store offset=${8 * j} (local.get ${out}) (i64x2.extract_lane ${lane} (local.get $a${j})))`,
      )
      .join(' ')
  // Zero one lane of every state word: AND with a mask keeping the other lane.
  const clearLane = (lane: number): string => {
    const mask = lane === 0 ? '0 -1' : '-1 0'
    return range(STATE_LANES)
      .map((j) => `(local.set $a${j} (v128.and (local.get $a${j}) (v128.const i64x2 ${mask})))`)
      .join(' ')
  }
  // Hand a lane's unfinished message to the scalar code: state to STATE_PTR, absorb, squeeze.
  const finishScalar = (lane: number, p: string, n: string, out: string): string =>
    `${range(STATE_LANES)
      .map(
        (j) =>
          `(i64.store offset=${8 * j} (i32.const ${STATE_PTR}) (i64x2.extract_lane ${lane} (local.get $a${j})))`,
      )
      .join(' ')}
        (call $absorb (local.get ${p}) (local.get ${n})) (call $squeeze (local.get ${out}))`
  // Load descriptor `next` into lane variables (pad in place, count its blocks).
  const take = (p: string, n: string, out: string): string =>
    `(local.set ${p} (i32.load (local.get $next)))
        (local.set ${out} (i32.load offset=8 (local.get $next)))
        (local.set ${n} (call $pad (local.get ${p}) (i32.load offset=4 (local.get $next))))
        (local.set $next (i32.add (local.get $next) (i32.const ${DESCRIPTOR_BYTES})))`
  return `
  (func $hashBatchSimd (export "hashBatchSimd") (param $desc i32) (param $count i32)
    ${permutationLocals(simdOps)}
    (local $next i32) (local $end i32)
    (local $pA i32) (local $nA i32) (local $oA i32) (local $pB i32) (local $nB i32) (local $oB i32)
    (if (i32.lt_u (local.get $count) (i32.const 2)) (then
      (call $hashBatch (local.get $desc) (local.get $count))
      (return)))
    (local.set $next (local.get $desc))
    (local.set $end (i32.add (local.get $desc) (i32.mul (local.get $count) (i32.const ${DESCRIPTOR_BYTES}))))
    ${take('$pA', '$nA', '$oA')}
    ${take('$pB', '$nB', '$oB')}
    (block $done (loop $block
      ${absorbBoth}
      ${perm}
      (local.set $pA (i32.add (local.get $pA) (i32.const ${RATE_BYTES})))
      (local.set $pB (i32.add (local.get $pB) (i32.const ${RATE_BYTES})))
      (local.set $nA (i32.sub (local.get $nA) (i32.const 1)))
      (local.set $nB (i32.sub (local.get $nB) (i32.const 1)))
      (if (i32.eqz (local.get $nA)) (then
        ${digest(0, '$oA')}
        (if (i32.lt_u (local.get $next) (local.get $end)) (then
          ${take('$pA', '$nA', '$oA')}
          ${clearLane(0)})
        (else
          ;; No more messages: lane B finishes alone (or is done too).
          (if (i32.eqz (local.get $nB)) (then ${digest(1, '$oB')})
          (else ${finishScalar(1, '$pB', '$nB', '$oB')}))
          (br $done)))))
      (if (i32.eqz (local.get $nB)) (then
        ${digest(1, '$oB')}
        (if (i32.lt_u (local.get $next) (local.get $end)) (then
          ${take('$pB', '$nB', '$oB')}
          ${clearLane(1)})
        (else
          ${finishScalar(0, '$pA', '$nA', '$oA')}
          (br $done)))))
      (br $block)))
  )`
}

/**
 * Rounds written out per loop iteration (24 = fully unrolled). On x64 one round per iteration
 * measured fastest for both builds (docs/performance.md): the fully unrolled code no longer
 * fits the CPU's decoded-instruction cache, and the loop costs nothing next to the ~150
 * operations of a round.
 */
export interface UnrollOptions {
  scalarUnroll: number
  simdUnroll: number
}

export const DEFAULT_UNROLL: UnrollOptions = { scalarUnroll: 1, simdUnroll: 1 }

function rcTableData(): string {
  let bytes = ''
  for (const rc of RC) {
    for (let k = 0; k < 8; k++) {
      bytes += `\\${Number((rc >> BigInt(8 * k)) & 0xffn)
        .toString(16)
        .padStart(2, '0')}`
    }
  }
  return `(data (i32.const ${RC_TABLE_PTR}) "${bytes}")`
}

/** WebAssembly text of the scalar or SIMD module. */
export function keccakWat(simd: boolean, unroll: UnrollOptions = DEFAULT_UNROLL): string {
  return `;; Generated by scripts/genKeccakWasm.ts: Keccak-256, ${simd ? 'scalar + two-lane SIMD' : 'scalar'}.
(module
  (memory (export "memory") ${INITIAL_MEMORY_PAGES})
  ${rcTableData()}
  ${scalarFunctions(unroll.scalarUnroll)}
  ${simd ? simdBatchFunction(unroll.simdUnroll) : ''}
)
`
}

/** Assembles both modules (deterministic: same generator + same wabt → same bytes). */
export async function generateKeccakWasm(
  unroll: UnrollOptions = DEFAULT_UNROLL,
): Promise<{ scalar: Uint8Array; simd: Uint8Array }> {
  const wabt = await wabtInit()
  const assemble = (simd: boolean): Uint8Array => {
    const mod = wabt.parseWat(`keccak-${simd ? 'simd' : 'scalar'}.wat`, keccakWat(simd, unroll), {
      simd,
      bulk_memory: true,
    })
    try {
      mod.resolveNames()
      mod.validate()
      return new Uint8Array(mod.toBinary({ canonicalize_lebs: true }).buffer)
    } finally {
      mod.destroy()
    }
  }
  return { scalar: assemble(false), simd: assemble(true) }
}

/** The TypeScript module committed as src/wire/keccakWasmModule.ts. */
export function keccakWasmModuleSource(bytes: { scalar: Uint8Array; simd: Uint8Array }): string {
  const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64')
  const wrap = (s: string): string => s.replace(/.{1,92}/g, (line) => `  '${line}' +\n`)
  return `/**
 * GENERATED by scripts/genKeccakWasm.ts; do not edit. Regenerate with
 *   node_modules/.bin/node scripts/genKeccakWasm.ts
 * (WAT text generated in TypeScript, assembled by the \`wabt\` devDependency; the unit test
 * test/unit/wire/keccakWasm.test.ts checks that regenerating yields exactly these bytes).
 *
 * Two builds of our Keccak-256 WebAssembly module, base64: scalar (i64) and SIMD (scalar plus
 * the two-lane v128 batch function). See the generator for the exported functions.
 */

/** Byte address of the module's scalar state; memory below RESERVED_BYTES belongs to it. */
export const KECCAK_WASM_STATE_PTR = ${STATE_PTR}
/** Callers keep their buffers at or above this address. */
export const KECCAK_WASM_RESERVED_BYTES = ${RESERVED_BYTES}
/** Keccak-256 block size; \`finish\`/batches pad in place up to the next multiple of it. */
export const KECCAK_WASM_RATE_BYTES = ${RATE_BYTES}
/** Size of one batch descriptor {u32 ptr, u32 len, u32 out}. */
export const KECCAK_WASM_DESCRIPTOR_BYTES = ${DESCRIPTOR_BYTES}

export const KECCAK_WASM_SCALAR_BASE64 =
${wrap(b64(bytes.scalar))}  ''

export const KECCAK_WASM_SIMD_BASE64 =
${wrap(b64(bytes.simd))}  ''
`
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]
if (isMain) {
  if (process.argv.includes('--wat')) {
    process.stdout.write(keccakWat(!process.argv.includes('--scalar')))
  } else {
    const bytes = await generateKeccakWasm()
    const target = join(dirname(fileURLToPath(import.meta.url)), '../src/wire/keccakWasmModule.ts')
    writeFileSync(target, keccakWasmModuleSource(bytes))
    console.log(`wrote ${target}: scalar ${bytes.scalar.length} B, simd ${bytes.simd.length} B`)
  }
}
