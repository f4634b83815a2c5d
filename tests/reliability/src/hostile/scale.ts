/** The two lengths of the hostile scenario: how long, how many, how hard. */

export interface Scale {
  baselineSeconds: number;
  attackSeconds: number;
  /**
   * The broker's descriptor limit, whatever the machine's, so that the partitions the hog
   * creates outnumber its descriptors (and its file pool, about half of them) several times.
   */
  maxOpenFiles: number;
  /**
   * Stations of 1,024 partitions the hog asks for, and the broker's cap on all partitions: the
   * healthy and poison stations take 5, so the cap leaves room for cap / 1,024 - 1 of them.
   */
  hogStations: number;
  partitionsCap: number;
  /**
   * The share of their rate the healthy producers must get acknowledged during the attack and
   * in the 10 s after it. A quarter in CI, where the suite shares the two cores with another
   * package's tests: it still fails a broker that stalls for most of a phase, or one that answers
   * in seconds as the wrong-password flood made it (about a tenth).
   */
  throughputFloor: number;
  /** After the attack, the poison consumer gets this long at most to finish its backlog. */
  poisonWaitSeconds: number;
  floodConcurrency: number;
  unreadConnections: number;
  slowSockets: number;
}

export const SHORT: Scale = {
  baselineSeconds: 5,
  attackSeconds: 20,
  maxOpenFiles: 2048,
  hogStations: 8,
  partitionsCap: 4_096,
  throughputFloor: 0.25,
  poisonWaitSeconds: 45,
  floodConcurrency: 48,
  unreadConnections: 16,
  slowSockets: 200,
};
export const FULL: Scale = {
  baselineSeconds: 10,
  attackSeconds: 180,
  maxOpenFiles: 4096,
  hogStations: 24,
  partitionsCap: 20_480,
  throughputFloor: 0.5,
  poisonWaitSeconds: 120,
  floodConcurrency: 96,
  unreadConnections: 32,
  slowSockets: 500,
};
