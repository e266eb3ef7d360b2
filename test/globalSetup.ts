/**
 * Runs once per `vitest run`: says in one line when ../shared/vectors is absent (a user's clone;
 * the vector tests skip themselves), and fails the run when OP_GOSSIP_REQUIRE_VECTORS=1 (CI).
 */
import { existsSync } from 'node:fs'
import { REQUIRE_VECTORS_ENV, VECTORS_DIR } from './utils/vectors.ts'

export default function setup(): void {
  if (existsSync(VECTORS_DIR)) return
  if (process.env[REQUIRE_VECTORS_ENV] === '1') {
    throw new Error(`${REQUIRE_VECTORS_ENV}=1 but the shared vectors are missing at ${VECTORS_DIR}`)
  }
  console.warn(`shared vectors not found at ${VECTORS_DIR}: vector tests are skipped`)
}
