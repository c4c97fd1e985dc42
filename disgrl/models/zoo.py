"""Registered DisGRL models: SPEC defaults, the authors' variant, Table 5 ablations, other backbones."""

from __future__ import annotations

import dataclasses
from typing import Any

from torch import nn

from .._registry import PretrainedCfg, register_model
from .config import (
    SECTIONS,
    ClassifierConfig,
    DEAConfig,
    DecoderConfig,
    DisADConfig,
    DisGRLConfig,
    EncoderConfig,
    ReconstructionConfig,
    replace_section,
)
from .disgrl import DisGRL

_IMAGENET = {"mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225)}

default_cfgs: dict[str, PretrainedCfg] = {
    "disgrl_efficientnet_b0": PretrainedCfg(**_IMAGENET),
    # The untagged name has no weights on purpose: the only weights are a synthetic-data demo, so
    # create_model("disgrl_tiny", pretrained=True) fails and names the tag instead of loading them
    # silently (timm would make the first tag the default). See docs/demo_weights.md.
    "disgrl_tiny": PretrainedCfg(input_size=(3, 128, 128)),
    "disgrl_tiny.synthetic": PretrainedCfg(
        file="weights/disgrl_tiny.synthetic",
        input_size=(3, 128, 128),
        license="mit",
        description=(
            "Demo weights, shipped in the package: disgrl_tiny trained from scratch on the synthetic forgery "
            "benchmark (disgrl.data.synthetic: splice, copy_move, inpaint, resample, color_noise; 128x128 crops "
            "of ordinary photos, JPEG 95/75). Not a deepfake detector; meaningless on real-world images. "
            "Weak even on its own kind of data (test AUC 0.585): it demonstrates the API. See docs/demo_weights.md."
        ),
    ),
}

_PARTS = ("encoder", "dea", "decoder", "rec1", "rec2", "disad", "head")
_SHORTCUTS = {
    "num_classes": ("classifier", "num_classes"),
    "drop_rate": ("classifier", "dropout"),
    "backbone": ("encoder", "backbone"),
}


def build_disgrl(cfg: DisGRLConfig, pretrained_backbone: bool | str = False, **overrides: Any) -> DisGRL:
    """Apply ``create_model``'s overrides to ``cfg`` and build the model (see its docstring)."""
    parts: dict[str, nn.Module] = {}
    if "config" in overrides:
        cfg = overrides.pop("config")
        if not isinstance(cfg, DisGRLConfig):
            raise TypeError(f"config: expected a DisGRLConfig, got {type(cfg).__name__}")
    top = {f.name for f in dataclasses.fields(DisGRLConfig)} - set(SECTIONS)
    for key, value in overrides.items():
        if key in _PARTS and isinstance(value, nn.Module):
            parts[key] = value
        elif key in SECTIONS:
            cfg = dataclasses.replace(cfg, **{key: replace_section(getattr(cfg, key), value, key)})
        elif key in _SHORTCUTS:
            section, field = _SHORTCUTS[key]
            cfg = dataclasses.replace(cfg, **{section: dataclasses.replace(getattr(cfg, section), **{field: value})})
        elif key in top:
            cfg = dataclasses.replace(cfg, **{key: value})
        else:
            valid = sorted(set(SECTIONS) | set(_PARTS) | set(_SHORTCUTS) | top | {"config"})
            raise TypeError(f"unknown model argument {key!r}; valid: {', '.join(valid)}")
    return DisGRL(cfg, pretrained_backbone=pretrained_backbone, **parts)


def _ablation(rec1: bool, rec2: bool, dea: bool, rfa: bool) -> DisGRLConfig:
    return DisGRLConfig(
        dea=DEAConfig(enabled=dea),
        reconstruction=ReconstructionConfig(rec1=rec1, rec2=rec2),
        disad=DisADConfig(rfa=rfa),
    )


def official_config() -> DisGRLConfig:
    """Every "option" choice of SPEC §8 that reproduces the authors' code (znshi/DisGRL)."""
    return DisGRLConfig(
        dea=DEAConfig(pool_size=None, pre_attention=True, tied=False, align_corners=True),  # #2, #3, #4
        decoder=dataclasses.replace(
            DisGRLConfig().decoder, value_kernel=5, residual_kernel=1, skip_channels=(32, 64, 128, 256)
        ),  # #5, #6
        reconstruction=ReconstructionConfig(
            rec1_use_f1=False, guide_proj=None, guide_interpolation="nearest", output_bn_relu=True, align_corners=True
        ),  # #7, #8
        disad=DisADConfig(
            gate="conv_relu_conv", final_conv=False, shared=True, after_exit_stages=3, skip_exit_stages=("block8",),
            align_corners=True,
        ),  # #9, #10
    )  # fmt: skip


@register_model
def disgrl_xception(pretrained_backbone: bool | str = False, **kwargs: Any) -> DisGRL:
    """DisGRL with SPEC's defaults (the paper where it is explicit): Xception, DEA, two heads, RFA."""
    return build_disgrl(DisGRLConfig(), pretrained_backbone, **kwargs)


@register_model
def disgrl_xception_official(pretrained_backbone: bool | str = False, **kwargs: Any) -> DisGRL:
    """DisGRL as the authors' code computes it (SPEC §8 options; dead modules left out)."""
    return build_disgrl(official_config(), pretrained_backbone, **kwargs)


@register_model
def xception_baseline(pretrained_backbone: bool | str = False, **kwargs: Any) -> DisGRL:
    """Table 5 a): the Xception classifier alone (same classifier head as DisGRL)."""
    return build_disgrl(_ablation(False, False, False, False), pretrained_backbone, **kwargs)


@register_model
def disgrl_xception_rec1(pretrained_backbone: bool | str = False, **kwargs: Any) -> DisGRL:
    """Table 5 b): encoder-decoder + the vision (AFS) reconstruction head."""
    return build_disgrl(_ablation(True, False, False, False), pretrained_backbone, **kwargs)


@register_model
def disgrl_xception_rec2(pretrained_backbone: bool | str = False, **kwargs: Any) -> DisGRL:
    """Table 5 c): encoder-decoder + the reasoning (SAM) reconstruction head."""
    return build_disgrl(_ablation(False, True, False, False), pretrained_backbone, **kwargs)


@register_model
def disgrl_xception_double(pretrained_backbone: bool | str = False, **kwargs: Any) -> DisGRL:
    """Table 5 d): both reconstruction heads, no DEA, no RFA."""
    return build_disgrl(_ablation(True, True, False, False), pretrained_backbone, **kwargs)


@register_model
def disgrl_xception_no_rfa(pretrained_backbone: bool | str = False, **kwargs: Any) -> DisGRL:
    """Table 5 e): both heads + DEA; RFA replaced by the element-wise sum F_e = D4 + F5."""
    return build_disgrl(_ablation(True, True, True, False), pretrained_backbone, **kwargs)


@register_model
def disgrl_xception_no_dea(pretrained_backbone: bool | str = False, **kwargs: Any) -> DisGRL:
    """Table 5 f): both heads + RFA, no DEA branch (F_e = F5)."""
    return build_disgrl(_ablation(True, True, False, True), pretrained_backbone, **kwargs)


def lite_config() -> DisGRLConfig:
    """The paper's structure at ≈1.3x Xception's cost (see docs/performance.md)."""
    return DisGRLConfig(
        dea=DEAConfig(expansion=1, widths=(32, 64, 128, 256), separable=True),
        decoder=DecoderConfig(
            channels=(128, 64, 32),
            residual_kernel=1,
            skip_channels=(16, 32, 64, 128),
            skip_reduce="conv",
            f5_channels=128,
        ),
        reconstruction=ReconstructionConfig(rec1_channels=16, sam_channels=16, sam_states=8),
        disad=DisADConfig(separable=True),
    )


@register_model
def disgrl_xception_lite(pretrained_backbone: bool | str = False, **kwargs: Any) -> DisGRL:
    """DisGRL's full structure (DEA cascade, AFS decoder, two heads, RFA) at ≤1.5x Xception's GFLOPs:
    narrow DEA levels with depthwise-separable convs and expansion 1, a narrow decoder, separable RFAs."""
    return build_disgrl(lite_config(), pretrained_backbone, **kwargs)


@register_model
def disgrl_efficientnet_b0(pretrained_backbone: bool | str = False, **kwargs: Any) -> DisGRL:
    """DisGRL on timm's efficientnet_b0 (taps and widths read from the backbone)."""
    cfg = DisGRLConfig(encoder=EncoderConfig(backbone="efficientnet_b0"), noise_clip=None)
    return build_disgrl(cfg, pretrained_backbone, **kwargs)


def tiny_config() -> DisGRLConfig:
    """DisGRL's full structure on a 2 M-parameter MobileNetV2-0.5 backbone with narrow decoder/heads."""
    return DisGRLConfig(
        encoder=EncoderConfig(backbone="mobilenetv2_050"),
        decoder=DecoderConfig(channels=(64, 32, 16)),
        reconstruction=ReconstructionConfig(rec1_channels=16, sam_channels=16, sam_states=8),
        classifier=ClassifierConfig(hidden=256),
    )


@register_model
def disgrl_tiny(pretrained_backbone: bool | str = False, **kwargs: Any) -> DisGRL:
    """A small DisGRL (MobileNetV2-0.5, 128x128 input, ≈2 M parameters) for CPUs, tests and demos."""
    return build_disgrl(tiny_config(), pretrained_backbone, **kwargs)
