/**
 * Made-up legal names for simulated merchants: two words and the legal form usual in the
 * merchant's country. Any resemblance to a real company is chance.
 */
import type { Prng } from './prng.ts';

const firstWords = [
  'Amber',
  'Bright',
  'Cedar',
  'Copper',
  'Crescent',
  'Golden',
  'Harbor',
  'Hollow',
  'Indigo',
  'Juniper',
  'Kestrel',
  'Lantern',
  'Maple',
  'Meadow',
  'Northwind',
  'Oak',
  'Orchid',
  'Pebble',
  'Pine',
  'Quarry',
  'Red Fox',
  'Riverbend',
  'Saffron',
  'Silver',
  'Summit',
  'Thistle',
  'Tidal',
  'Velvet',
  'Willow',
  'Zephyr',
] as const;

const secondWords = [
  'Atelier',
  'Bazaar',
  'Co-op',
  'Collective',
  'Crafts',
  'Depot',
  'Emporium',
  'Essentials',
  'Goods',
  'House',
  'Imports',
  'Labs',
  'Lane',
  'Market',
  'Outfitters',
  'Provisions',
  'Studio',
  'Supply',
  'Trading',
  'Works',
] as const;

const legalFormByCountry: Record<string, readonly string[]> = {
  US: ['LLC', 'Inc.', 'LLC', 'Corp.'],
  GB: ['Ltd', 'Ltd', 'LLP'],
  DE: ['GmbH', 'GmbH', 'UG'],
  FR: ['SAS', 'SARL'],
  NL: ['B.V.'],
  ES: ['S.L.', 'S.A.'],
  IT: ['S.r.l.', 'S.p.A.'],
};

export function legalName(rng: Prng, country: string): string {
  const forms = legalFormByCountry[country] ?? ['Ltd'];
  return `${rng.pick(firstWords)} ${rng.pick(secondWords)} ${rng.pick(forms)}`;
}
