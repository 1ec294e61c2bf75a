// Media prices in integer micro-credits, with the gateway's one rounding rule: the exact cost,
// rounded up once to a whole micro-credit (so 1 ms of audio at 0.01 credits a second costs 10).
import type { PriceConfig } from '../config';
import { divideRoundingUp } from '../shared/money';
import type { MediaCharge } from './flight';

export function imagesCharge(price: PriceConfig, images: number): MediaCharge {
  return { costMicros: BigInt(images) * price.imageMicros, units: `${images} image${images === 1 ? '' : 's'}`, audioSeconds: null, estimated: false };
}

/** `milliseconds` may be fractional (a WAV's exact length); it is rounded up to a whole millisecond first. */
export function audioCharge(price: PriceConfig, milliseconds: number, estimated: boolean): MediaCharge {
  const wholeMs = BigInt(Math.ceil(milliseconds));
  const seconds = (Number(wholeMs) / 1000).toFixed(3);
  return {
    costMicros: divideRoundingUp(wholeMs * price.audioSecondMicros, 1000n),
    units: `${seconds} s of audio${estimated ? ' (estimated)' : ''}`,
    audioSeconds: seconds,
    estimated,
  };
}
