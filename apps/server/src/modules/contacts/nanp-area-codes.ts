/** Where a North American number's area code puts its holder: ISO 3166-2 region and IANA time zone(s). */
export interface TAreaCodePlace {
  region: string;
  /**
   * The IANA zone the area code's numbers ring in or, for a code that spans several zones, every one of
   * them separated by a space, the most populous first (`"America/Chicago America/New_York"` for 850).
   * This is the form stored in `contacts.phone_time_zone` and handed to quiet hours, which hold a contact
   * without a `timeZone` of its own to its window in each zone listed (see `timeZoneList`).
   */
  timeZone: string;
}

/**
 * Geographic area codes of the North American Numbering Plan in the US (states, DC, territories) and
 * Canada, with overlays, by region and time zone. Non-geographic codes (toll-free 8XX, 5XX, 600, 900…)
 * are deliberately absent: their holder could be anywhere.
 *
 * An area code that spans zones lists every zone a number of it may ring in, the majority zone (by
 * population) first; an overlay spans what its base code spans. Sources: libphonenumber's per-exchange
 * zone data (google/libphonenumber, resources/timezones/map_data.txt), the official boundaries
 * (49 CFR Part 71; the IANA tz database, northamerica), and, for places that keep another zone than
 * their official one by settled local practice, the local reports cited.
 * - AK 907: the Aleutians west of 169°30′W keep Hawaii–Aleutian time (America/Adak).
 * - AL 334: Phenix City, Lanett, Valley and parts of Lee County keep Eastern (Huntsville Times, quoted at
 *   msgo.com/threads/uspsa-al-sectional-phenix-city-on-eastern-time.12935).
 * - AZ 928: the Navajo Nation keeps daylight-saving (Mountain, America/Denver); libphonenumber lists
 *   Denver for every Arizona code, but the Nation lies within 928 only.
 * - FL 850/448: Tallahassee and the Big Bend are Eastern; Pensacola, Fort Walton and Panama City Central.
 * - ID 208/986: the panhandle north of the Salmon River is Pacific.
 * - IN 219: Lake, Porter, LaPorte, Jasper, Newton are Central, some exchanges Eastern; 574: Starke County
 *   Central; 812/930: Evansville and the southwest corner (Gibson, Posey, Vanderburgh, Warrick, Spencer,
 *   Perry) Central.
 * - KS 620/785: Greeley, Hamilton, Sherman and Wallace counties are Mountain.
 * - KY 270/364: Elizabethtown and the Bluegrass edge are Eastern; 606: Clinton and nearby counties Central.
 * - MI 906: Gogebic, Iron, Dickinson and Menominee counties are Central (America/Menominee).
 * - ND 701, SD 605, NE 308: their western parts are Mountain.
 * - NV 775: West Wendover and Jackpot keep Mountain.
 * - OK 580: Kenton (Cimarron County) keeps Mountain (mapquest.com/us/ok/kenton-282028160).
 * - OR 541/458: Malheur County is Mountain (America/Boise).
 * - TN 423: Bledsoe, Marion and Sequatchie counties are Central. 931 is Central only (libphonenumber).
 * - TX: 915 (El Paso, Hudspeth, the only Mountain counties) is Mountain only, 432 Central only.
 * - BC 250 and the province-wide overlays 236/257/672/778: the East Kootenay is Mountain, the Peace
 *   River and Creston keep MST all year (America/Dawson_Creek); 604 is the Lower Mainland only.
 * - NL 709/879: Labrador is Atlantic (America/Goose_Bay).
 * - ON 807: Kenora, Dryden and the west are Central (Atikokan's year-round EST always equals one of the two).
 * - QC 418/581/367: the Magdalen Islands are Atlantic, the Lower North Shore keeps AST all year.
 * - SK 306/639/474: Lloydminster keeps Alberta's time, Creighton Manitoba's.
 * - 902/782 serve Nova Scotia and Prince Edward Island → CA-NS; 867 serves Yukon (MST all year),
 *   Northwest Territories (Mountain) and Nunavut (Eastern, Central, Mountain) → CA-NT.
 * A contact's own `timeZone` always overrides what the number tells.
 */
const table: [region: string, timeZones: string, codes: string][] = [
  ["US-AL", "America/Chicago", "205 251 256 659 938"],
  ["US-AL", "America/Chicago America/New_York", "334"],
  ["US-AK", "America/Anchorage America/Adak", "907"],
  ["US-AZ", "America/Phoenix", "480 520 602 623"],
  ["US-AZ", "America/Phoenix America/Denver", "928"],
  ["US-AR", "America/Chicago", "327 479 501 870"],
  [
    "US-CA",
    "America/Los_Angeles",
    "209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 738 747 760 805 818 820 831 840 858 909 916 925 949 951",
  ],
  ["US-CO", "America/Denver", "303 719 720 748 970 983"],
  ["US-CT", "America/New_York", "203 475 860 959"],
  ["US-DE", "America/New_York", "302"],
  ["US-DC", "America/New_York", "202 771"],
  [
    "US-FL",
    "America/New_York",
    "239 305 321 324 352 386 407 561 645 656 689 727 728 754 772 786 813 863 904 941 954",
  ],
  ["US-FL", "America/Chicago America/New_York", "448 850"],
  ["US-GA", "America/New_York", "229 404 470 478 678 706 762 770 912 943"],
  ["US-HI", "Pacific/Honolulu", "808"],
  ["US-ID", "America/Boise America/Los_Angeles", "208 986"],
  ["US-IL", "America/Chicago", "217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 861 872"],
  ["US-IN", "America/Indiana/Indianapolis", "260 317 463 765"],
  ["US-IN", "America/Indiana/Indianapolis America/Chicago", "574 812 930"],
  ["US-IN", "America/Chicago America/Indiana/Indianapolis", "219"],
  ["US-IA", "America/Chicago", "319 515 563 641 712"],
  ["US-KS", "America/Chicago", "316 913"],
  ["US-KS", "America/Chicago America/Denver", "620 785"],
  ["US-KY", "America/Chicago America/New_York", "270 364"],
  ["US-KY", "America/Kentucky/Louisville", "502"],
  ["US-KY", "America/New_York", "859"],
  ["US-KY", "America/New_York America/Chicago", "606"],
  ["US-LA", "America/Chicago", "225 318 337 504 985"],
  ["US-ME", "America/New_York", "207"],
  ["US-MD", "America/New_York", "227 240 301 410 443 667"],
  ["US-MA", "America/New_York", "339 351 413 508 617 774 781 857 978"],
  ["US-MI", "America/Detroit", "231 248 269 313 517 586 616 679 734 810 947 989"],
  ["US-MI", "America/Detroit America/Menominee", "906"],
  ["US-MN", "America/Chicago", "218 320 507 612 651 763 924 952"],
  ["US-MS", "America/Chicago", "228 601 662 769"],
  ["US-MO", "America/Chicago", "235 314 417 557 573 636 660 816 975"],
  ["US-MT", "America/Denver", "406"],
  ["US-NE", "America/Chicago", "402 531"],
  ["US-NE", "America/Chicago America/Denver", "308"],
  ["US-NV", "America/Los_Angeles", "702 725"],
  ["US-NV", "America/Los_Angeles America/Denver", "775"],
  ["US-NH", "America/New_York", "603"],
  ["US-NJ", "America/New_York", "201 551 609 640 732 848 856 862 908 973"],
  ["US-NM", "America/Denver", "505 575"],
  [
    "US-NY",
    "America/New_York",
    "212 315 329 332 347 363 516 518 585 607 624 631 646 680 716 718 838 845 914 917 929 934",
  ],
  ["US-NC", "America/New_York", "252 336 472 704 743 828 910 919 980 984"],
  ["US-ND", "America/Chicago America/Denver", "701"],
  ["US-OH", "America/New_York", "216 220 234 283 326 330 380 419 436 440 513 567 614 740 937"],
  ["US-OK", "America/Chicago", "405 539 572 918"],
  ["US-OK", "America/Chicago America/Denver", "580"],
  ["US-OR", "America/Los_Angeles", "503 971"],
  ["US-OR", "America/Los_Angeles America/Boise", "458 541"],
  ["US-PA", "America/New_York", "215 223 267 272 412 445 484 570 582 610 717 724 814 835 878"],
  ["US-RI", "America/New_York", "401"],
  ["US-SC", "America/New_York", "803 821 839 843 854 864"],
  ["US-SD", "America/Chicago America/Denver", "605"],
  ["US-TN", "America/New_York", "865"],
  ["US-TN", "America/New_York America/Chicago", "423"],
  ["US-TN", "America/Chicago", "615 629 731 901 931"],
  [
    "US-TX",
    "America/Chicago",
    "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 936 940 945 956 972 979",
  ],
  ["US-TX", "America/Denver", "915"],
  ["US-UT", "America/Denver", "385 435 801"],
  ["US-VT", "America/New_York", "802"],
  ["US-VA", "America/New_York", "276 434 540 571 686 703 757 804 826 948"],
  ["US-WA", "America/Los_Angeles", "206 253 360 425 509 564"],
  ["US-WV", "America/New_York", "304 681"],
  ["US-WI", "America/Chicago", "262 274 353 414 534 608 715 920"],
  ["US-WY", "America/Denver", "307"],
  ["US-PR", "America/Puerto_Rico", "787 939"],
  ["US-VI", "America/St_Thomas", "340"],
  ["US-GU", "Pacific/Guam", "671"],
  ["US-MP", "Pacific/Saipan", "670"],
  ["US-AS", "Pacific/Pago_Pago", "684"],
  ["CA-AB", "America/Edmonton", "368 403 587 780 825"],
  ["CA-BC", "America/Vancouver", "604"],
  ["CA-BC", "America/Vancouver America/Edmonton America/Dawson_Creek", "236 250 257 672 778"],
  ["CA-MB", "America/Winnipeg", "204 431 584"],
  ["CA-NB", "America/Moncton", "428 506"],
  ["CA-NL", "America/St_Johns America/Goose_Bay", "709 879"],
  ["CA-NS", "America/Halifax", "782 902"],
  ["CA-ON", "America/Toronto", "226 249 289 343 365 382 416 437 519 548 613 647 683 705 742 753 905 942"],
  ["CA-ON", "America/Toronto America/Winnipeg", "807"],
  ["CA-QC", "America/Toronto", "263 354 438 450 468 514 579 819 873"],
  ["CA-QC", "America/Toronto America/Halifax America/Blanc-Sablon", "367 418 581"],
  ["CA-SK", "America/Regina America/Edmonton America/Winnipeg", "306 474 639"],
  ["CA-NT", "America/Edmonton America/Whitehorse America/Iqaluit America/Rankin_Inlet", "867"],
];

/** Area code (the three digits after +1) → region and time zone(s). */
export const nanpAreaCodes: ReadonlyMap<string, TAreaCodePlace> = new Map(
  table.flatMap(([region, timeZone, codes]) =>
    codes.split(" ").map((code): [string, TAreaCodePlace] => [code, { region, timeZone }]),
  ),
);
