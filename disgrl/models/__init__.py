"""DisGRL's swappable parts, the assembled model and its registered variants."""

from .classifier import ClassifierHead
from .config import (
    ClassifierConfig,
    DEAConfig,
    DecoderConfig,
    DisADConfig,
    DisGRLConfig,
    EncoderConfig,
    ReconstructionConfig,
)
from .dea_cascade import DEACascade
from .decoder import AFSDecoder, DecoderOutput
from .disad import DisAD
from .disgrl import DisGRL, DisGRLOutput
from .encoder import TimmEncoder, XceptionEncoder
from .heads import ReasoningHead, VisionHead
from .zoo import build_disgrl, official_config

__all__ = [
    "AFSDecoder",
    "ClassifierConfig",
    "ClassifierHead",
    "DEACascade",
    "DEAConfig",
    "DecoderConfig",
    "DecoderOutput",
    "DisAD",
    "DisADConfig",
    "DisGRL",
    "DisGRLConfig",
    "DisGRLOutput",
    "EncoderConfig",
    "ReasoningHead",
    "ReconstructionConfig",
    "TimmEncoder",
    "VisionHead",
    "XceptionEncoder",
    "build_disgrl",
    "official_config",
]
