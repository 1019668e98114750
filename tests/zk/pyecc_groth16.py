"""Groth16 verification with py_ecc's optimized_bn128: the independent cross-check.

Written here from the Groth16 paper's verification equation
``e(A, B) = e(alpha, beta) · e(sum_i x_i·IC_i, gamma) · e(C, delta)``, evaluated as one product
of Miller loops and one final exponentiation; it shares no code with arkworks. Slow (~1 s).
"""

from __future__ import annotations

from typing import Any

from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.fields import optimized_bn128_FQ2 as FQ2
from py_ecc.fields import optimized_bn128_FQ12 as FQ12
from py_ecc.optimized_bn128 import add, b, b2, curve_order, is_on_curve, multiply, neg
from py_ecc.optimized_bn128.optimized_pairing import (
    cast_point_to_fq12,
    final_exponentiate,
    miller_loop,
    twist,
)


def g1(coords: list[str]) -> Any:
    point = (FQ(int(coords[0])), FQ(int(coords[1])), FQ(int(coords[2])))
    assert is_on_curve(point, b)
    return point


def g2(coords: list[list[str]]) -> Any:
    # snarkjs writes each Fq2 coordinate as [c0, c1]; py_ecc's FQ2 takes [c0, c1] too.
    point = tuple(FQ2([int(c[0]), int(c[1])]) for c in coords)
    assert is_on_curve(point, b2)
    return point


def verify(vk: dict[str, Any], proof: dict[str, Any], public: list[str]) -> bool:
    inputs = [int(x) for x in public]
    if any(x >= curve_order for x in inputs) or len(inputs) != len(vk["IC"]) - 1:
        return False
    vk_x = g1(vk["IC"][0])
    for x, point in zip(inputs, vk["IC"][1:], strict=True):
        vk_x = add(vk_x, multiply(g1(point), x))
    pairs = [
        (g2(proof["pi_b"]), neg(g1(proof["pi_a"]))),
        (g2(vk["vk_beta_2"]), g1(vk["vk_alpha_1"])),
        (g2(vk["vk_gamma_2"]), vk_x),
        (g2(vk["vk_delta_2"]), g1(proof["pi_c"])),
    ]
    product = FQ12.one()
    for q, p in pairs:
        product = product * miller_loop(twist(q), cast_point_to_fq12(p), final_exponentiate=False)
    return bool(final_exponentiate(product) == FQ12.one())
