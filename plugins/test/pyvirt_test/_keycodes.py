"""Which key codes libvirt's test driver accepts in each codeset (VIR_KEYCODE_SET_*).

libvirt's virDomainSendKey on the test driver translates every key code to the Linux codeset
and refuses the ones its keymap tables cannot translate ("invalid keycode 600 of linux
codeset").  These are the codes it accepts, as inclusive ranges in codeset order, observed
from libvirt 9.0 (``tests/test_cli_send_key.py`` compares them with the real binding).
"""

from __future__ import annotations

#: Codeset names as libvirt's messages spell them, by VIR_KEYCODE_SET_* number.
CODESET_NAMES = (
    "linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32", "qnum",
)  # fmt: skip

#: xt and atset1 (scan code set 1) accept the same codes.
_SET1: tuple[tuple[int, int], ...] = (
    (0, 95),
    (99, 109),
    (111, 121),
    (123, 123),
    (125, 126),
    (57345, 57356),
    (57358, 57360),
    (57362, 57385),
    (57387, 57398),
    (57400, 57439),
    (57443, 57453),
    (57455, 57465),
    (57467, 57467),
    (57469, 57469),
)

#: Accepted codes of each codeset, as (first, last) ranges.
VALID_RANGES: tuple[tuple[tuple[int, int], ...], ...] = (
    # linux: 454 codes
    (
        (0, 265),
        (272, 279),
        (288, 299),
        (303, 318),
        (320, 327),
        (330, 337),
        (352, 439),
        (448, 451),
        (464, 484),
        (497, 506),
        (512, 524),
    ),
    _SET1,  # xt: 236 codes
    _SET1,  # atset1: 236 codes
    # atset2: 144 codes
    (
        (0, 1),
        (3, 7),
        (9, 15),
        (17, 22),
        (26, 30),
        (33, 39),
        (41, 47),
        (49, 55),
        (58, 63),
        (65, 70),
        (73, 78),
        (81, 82),
        (84, 85),
        (88, 91),
        (93, 93),
        (95, 95),
        (97, 100),
        (102, 103),
        (105, 109),
        (112, 127),
        (131, 131),
        (57360, 57362),
        (57364, 57365),
        (57368, 57368),
        (57375, 57377),
        (57379, 57379),
        (57383, 57384),
        (57387, 57387),
        (57391, 57392),
        (57394, 57394),
        (57396, 57396),
        (57399, 57400),
        (57402, 57403),
        (57407, 57408),
        (57416, 57416),
        (57418, 57418),
        (57421, 57421),
        (57424, 57424),
        (57434, 57434),
        (57438, 57438),
        (57449, 57449),
        (57451, 57452),
        (57455, 57458),
        (57460, 57461),
        (57463, 57463),
        (57465, 57466),
        (57469, 57469),
    ),
    # atset3: 141 codes
    (
        (0, 0),
        (7, 63),
        (65, 71),
        (73, 79),
        (82, 82),
        (84, 103),
        (105, 118),
        (121, 122),
        (124, 131),
        (133, 135),
        (139, 142),
        (145, 145),
        (147, 152),
        (154, 163),
    ),
    # os_x: 121 codes
    (
        (0, 51),
        (53, 65),
        (67, 67),
        (69, 69),
        (71, 76),
        (78, 107),
        (109, 111),
        (113, 126),
        (255, 255),
    ),
    # xt_kbd: 236 codes
    (
        (0, 95),
        (99, 109),
        (111, 121),
        (123, 123),
        (125, 126),
        (257, 268),
        (270, 272),
        (274, 297),
        (299, 310),
        (312, 351),
        (355, 365),
        (367, 377),
        (379, 379),
        (381, 381),
    ),
    # usb: 163 codes
    (
        (0, 0),
        (4, 48),
        (50, 119),
        (121, 125),
        (133, 133),
        (135, 140),
        (144, 148),
        (182, 183),
        (224, 251),
    ),
    # win32: 150 codes
    (
        (0, 2),
        (4, 6),
        (8, 9),
        (13, 13),
        (17, 22),
        (26, 29),
        (32, 42),
        (44, 57),
        (65, 93),
        (95, 135),
        (144, 145),
        (160, 161),
        (163, 163),
        (165, 180),
        (186, 192),
        (219, 222),
        (226, 226),
        (242, 242),
        (250, 251),
    ),
    # qnum: 236 codes
    (
        (0, 95),
        (99, 109),
        (111, 121),
        (123, 123),
        (125, 126),
        (129, 140),
        (142, 144),
        (146, 169),
        (171, 182),
        (184, 223),
        (227, 237),
        (239, 249),
        (251, 251),
        (253, 253),
    ),
)


def accepts(codeset: int, code: int) -> bool:
    """Whether the test driver translates *code* of *codeset*."""
    return any(first <= code <= last for first, last in VALID_RANGES[codeset])
