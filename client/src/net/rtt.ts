// Round-trip time estimation: the smoothed RTT and its variation of RFC 6298
// §2 (TCP's retransmission timer), fed by ping/pong samples. Pure and
// clock-free: samples are passed in (ms).

/** RFC 6298 §2.3's gains: α = 1/8 for SRTT, β = 1/4 for RTTVAR. */
const ALPHA = 1 / 8;
const BETA = 1 / 4;

/**
 * The smoothed round-trip time (SRTT) and round-trip time variation (RTTVAR)
 * of RFC 6298 §2, without the retransmission timeout built on them.
 *
 * The first sample R seeds SRTT = R, RTTVAR = R/2 (§2.2); every later sample
 * R' updates RTTVAR = (1−β)·RTTVAR + β·|SRTT − R'| and then
 * SRTT = (1−α)·SRTT + α·R' (§2.3, RTTVAR first, with the old SRTT). A sample
 * must measure one round trip only: the caller takes it from a ping answered
 * once (the protocol never retransmits, so Karn's rule, §3, has nothing to
 * exclude) and keeps samples it knows were delayed by something other than
 * the network out (see GameSocket).
 *
 * Not safe for concurrent use (there is none in a page).
 */
export class RttEstimator {
  private srtt: number | null = null;
  private rttvar = 0;
  private n = 0;

  /**
   * Adds one round-trip sample (ms). Samples that are negative, not finite
   * or a minute or longer (a clock that jumped, a suspended tab) are
   * ignored; returns whether the sample was used.
   */
  sample(r: number): boolean {
    if (!(r >= 0 && r < 60_000)) return false;
    if (this.srtt === null) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = (1 - BETA) * this.rttvar + BETA * Math.abs(this.srtt - r);
      this.srtt = (1 - ALPHA) * this.srtt + ALPHA * r;
    }
    this.n++;
    return true;
  }

  /** SRTT (ms), or null before the first sample. */
  get srttMs(): number | null {
    return this.srtt;
  }

  /** RTTVAR (ms): the mean deviation of samples from SRTT; null before the first sample. */
  get rttvarMs(): number | null {
    return this.srtt === null ? null : this.rttvar;
  }

  /** How many samples were used. */
  get samples(): number {
    return this.n;
  }

  /** Forgets every sample. */
  reset(): void {
    this.srtt = null;
    this.rttvar = 0;
    this.n = 0;
  }
}
