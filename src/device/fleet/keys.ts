/**
 * Keys for thousands of enrollments. Generating RSA-2048 costs ~180 ms of CPU, so 10,000 fresh keys would be
 * half an hour of one core before the first session; a fleet therefore certifies a small pool of keys many
 * times. Each device still sends its own CSR and receives its own certificate; servers never see a key twice
 * *per device*, which is all windc's enrollment logic looks at. Generation runs on libuv's thread pool, several
 * keys at once.
 */
import { type EnrollmentKey, generateRsaKey, type KeySource } from '../enroll/keys.ts';

export class KeyPool implements KeySource {
  private keys: EnrollmentKey[] = [];
  private next = 0;

  private constructor() {}

  static async create(size: number): Promise<KeyPool> {
    const pool = new KeyPool();
    pool.keys = await Promise.all(Array.from({ length: Math.max(1, size) }, () => generateRsaKey(2048)));
    return pool;
  }

  get size(): number {
    return this.keys.length;
  }

  async take(bits: number): Promise<EnrollmentKey> {
    // A policy asking for more than the pool holds gets a key of its own.
    if (bits > 2048) return generateRsaKey(bits);
    const key = this.keys[this.next % this.keys.length] as EnrollmentKey;
    this.next++;
    return key;
  }
}
