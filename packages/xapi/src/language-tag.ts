// RFC 5646 §2.1 well-formedness (xAPI Data 2.2: "MUST at least validate that the sequence of token lengths
// for language map keys matches the RFC 5646 standard"). Matching is case-insensitive (RFC 5646 §2.1.1).
const LANGTAG =
  '(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})' + // language (+ extlang)
  '(?:-[a-z]{4})?' + // script
  '(?:-(?:[a-z]{2}|[0-9]{3}))?' + // region
  '(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*' + // variants
  '(?:-[a-wyz0-9](?:-[a-z0-9]{2,8})+)*' + // extensions
  '(?:-x(?:-[a-z0-9]{1,8})+)?'; // private use
const PRIVATE_USE = 'x(?:-[a-z0-9]{1,8})+';
const GRANDFATHERED =
  'en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|' +
  'i-tsu|sgn-be-fr|sgn-be-nl|sgn-ch-de|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|' +
  'zh-min-nan|zh-xiang';
const LANGUAGE_TAG = new RegExp(`^(?:${GRANDFATHERED}|${LANGTAG}|${PRIVATE_USE})$`, 'i');

export function isLanguageTag(value: string): boolean {
  return LANGUAGE_TAG.test(value);
}
