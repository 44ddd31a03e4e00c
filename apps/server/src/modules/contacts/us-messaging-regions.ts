/**
 * US area codes of the states whose messaging rules are stricter than federal law (quiet hours
 * 08:00–20:00 and frequency caps: Fla. Stat. 501.616, Maryland's 2024 Stop the Spam Calls Act,
 * 15 O.S. 775C.4). Florida law presumes a Florida area code means a Florida resident; we apply the same
 * presumption to all three.
 */
export const usRegionByAreaCode: ReadonlyMap<string, string> = new Map([
  ...[
    "239",
    "305",
    "321",
    "324",
    "352",
    "386",
    "407",
    "448",
    "561",
    "645",
    "656",
    "689",
    "727",
    "728",
    "754",
    "772",
    "786",
    "813",
    "850",
    "863",
    "904",
    "941",
    "954",
  ].map((c): [string, string] => [c, "US-FL"]),
  ...["227", "240", "301", "410", "443", "667"].map((c): [string, string] => [c, "US-MD"]),
  ...["405", "539", "572", "580", "918"].map((c): [string, string] => [c, "US-OK"]),
]);
