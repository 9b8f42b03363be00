"""A tiny Piper-format voice made with the onnx package: no model weights are downloaded.

The graph has Piper's interface — inputs `input` (int64 [1, N] phoneme ids),
`input_lengths` (int64 [1]), `scales` (float [3]: noise, length, noise_w) and,
for several speakers, `sid` (int64 [1]); output audio float [1, 1, M] — and
speaks a sine whose pitch follows the ids' mean and the speaker, so different
texts and speakers give different audio. Like a VITS voice it decides each
id's length in frames of 256 samples with a Ceil node (w_ceil: ceil(length_scale
× 1 for a pad, × 2 for any other id)), which piper's alignment patch exposes as
a second output; the frames of a space between words are silent, so the
words' places can be checked against the sound.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

SAMPLE_RATE = 22050
HOP = 256
#: Piper's phoneme id for " ", the space between words (DEFAULT_PHONEME_ID_MAP).
SPACE_ID = 3


def _graph(multi: bool, durations: bool = True) -> bytes:
    import onnx
    from onnx import TensorProto, helper

    def const(name: str, value: float, kind: int) -> Any:
        return helper.make_node("Constant", [], [name],
                                value=helper.make_tensor(name + "_v", kind, [], [value]))

    def vector(name: str, values: list[int]) -> Any:
        return helper.make_node("Constant", [], [name], value=helper.make_tensor(
            name + "_v", TensorProto.INT64, [len(values)], values))

    nodes = [
        const("hop_int", HOP, TensorProto.INT64),
        const("zero", 0, TensorProto.INT64),
        const("one", 1, TensorProto.INT64),
        const("one_f", 1.0, TensorProto.FLOAT),
        const("space", SPACE_ID, TensorProto.INT64),
        const("length_index", 1, TensorProto.INT64),
        const("base", 200.0, TensorProto.FLOAT),
        const("omega", 2 * math.pi / SAMPLE_RATE, TensorProto.FLOAT),
        const("amplitude", 0.3, TensorProto.FLOAT),
        vector("axis0", [0]), vector("axis1", [1]), vector("flat", [-1]),
        vector("column", [-1, 1]), vector("shape", [1, 1, -1]),
        helper.make_node("Gather", ["scales", "length_index"], ["length_scale"], axis=0),
        # frames per id = ceil(length_scale * (1 for a pad, 2 for any other id)): the
        # model's durations, a Ceil as in VITS (w_ceil), which piper exposes for alignments
        helper.make_node("Cast", ["input"], ["ids"], to=TensorProto.FLOAT),
        helper.make_node("Min", ["ids", "one_f"], ["not_pad"]),
        helper.make_node("Add", ["not_pad", "one_f"], ["weight"]),
        helper.make_node("Mul", ["weight", "length_scale"], ["scaled"]),
        helper.make_node("Ceil" if durations else "Round", ["scaled"], ["w_ceil"]),
        helper.make_node("Reshape", ["w_ceil", "flat"], ["frames_f"]),
        helper.make_node("Cast", ["frames_f"], ["frames"], to=TensorProto.INT64),
        # samples = sum(frames) * hop
        helper.make_node("ReduceSum", ["frames", "axis0"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "hop_int"], ["samples"]),
        helper.make_node("Range", ["zero", "samples", "one"], ["t_int"]),
        helper.make_node("Cast", ["t_int"], ["t"], to=TensorProto.FLOAT),
        # the id each sample belongs to: how many ids end at or before its frame
        helper.make_node("Div", ["t_int", "hop_int"], ["frame"]),
        helper.make_node("Reshape", ["frame", "column"], ["frame_col"]),
        helper.make_node("CumSum", ["frames", "zero"], ["ends"]),
        helper.make_node("LessOrEqual", ["ends", "frame_col"], ["ended"]),
        helper.make_node("Cast", ["ended"], ["ended_int"], to=TensorProto.INT64),
        helper.make_node("ReduceSum", ["ended_int", "axis1"], ["index"], keepdims=0),
        helper.make_node("Reshape", ["input", "flat"], ["id_list"]),
        helper.make_node("Gather", ["id_list", "index"], ["id_at"], axis=0),
        # a space between words is silent, every other id sounds
        helper.make_node("Equal", ["id_at", "space"], ["is_space"]),
        helper.make_node("Not", ["is_space"], ["sounding"]),
        helper.make_node("Cast", ["sounding"], ["gate"], to=TensorProto.FLOAT),
        # frequency = 200 + mean(phoneme ids) (+ 60 * speaker)
        helper.make_node("ReduceMean", ["ids"], ["mean_ids"], keepdims=0),
        helper.make_node("Add", ["base", "mean_ids"], ["f0"]),
    ]
    inputs = [
        helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
    ]
    if multi:
        inputs.append(helper.make_tensor_value_info("sid", TensorProto.INT64, [1]))
        nodes += [
            const("per_speaker", 60.0, TensorProto.FLOAT),
            helper.make_node("Squeeze", ["sid", "axis0"], ["sid_int"]),
            helper.make_node("Cast", ["sid_int"], ["sid_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["sid_f", "per_speaker"], ["shift"]),
            helper.make_node("Add", ["f0", "shift"], ["f"]),
        ]
    else:
        nodes.append(helper.make_node("Identity", ["f0"], ["f"]))
    nodes += [
        helper.make_node("Mul", ["t", "omega"], ["t_omega"]),
        helper.make_node("Mul", ["t_omega", "f"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Mul", ["wave", "amplitude"], ["quiet"]),
        helper.make_node("Mul", ["quiet", "gate"], ["gated"]),
        helper.make_node("Reshape", ["gated", "shape"], ["output"]),
    ]
    output = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "samples"])
    graph = helper.make_graph(nodes, "fake_piper", inputs, [output])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def config(code: str, espeak_voice: str, speakers: list[str] | None = None) -> dict[str, Any]:
    """A Piper .onnx.json as Piper's training writes it (the fields piper-tts reads)."""
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    return {
        "audio": {"sample_rate": SAMPLE_RATE, "quality": "test"},
        "espeak": {"voice": espeak_voice},
        "language": {"code": code, "family": code.split("_")[0]},
        "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_id_map": DEFAULT_PHONEME_ID_MAP,
        "num_symbols": max(i for ids in DEFAULT_PHONEME_ID_MAP.values() for i in ids) + 1,
        "num_speakers": len(speakers or []) or 1,
        "speaker_id_map": {name: i for i, name in enumerate(speakers or [])},
        "piper_version": "1.0.0",
    }


def model_card(name: str, licence: str) -> str:
    """A MODEL_CARD in the form Piper's voices carry."""
    return (f"# Model card for {name}\n\n* Language: test\n* Speakers: 1\n\n"
            f"## Dataset\n\n* URL: https://example.org/dataset\n* License: {licence}\n")


def voice_files(name: str, espeak_voice: str, speakers: list[str] | None = None,
                licence: str = "CC BY 4.0", durations: bool = True) -> dict[str, bytes]:
    """The files of a voice by file name: model, config and MODEL_CARD (durations=False:
    a model whose durations piper cannot expose, without a Ceil)."""
    code = name.split("-")[0]
    return {
        f"{name}.onnx": _graph(bool(speakers), durations),
        f"{name}.onnx.json": json.dumps(config(code, espeak_voice, speakers),
                                        ensure_ascii=False).encode(),
        "MODEL_CARD": model_card(name, licence).encode(),
    }


def catalogue_entry(name: str, files: dict[str, bytes], speakers: list[str] | None = None,
                    ) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A voices.json entry for the voice and its files by relative path (Piper's layout)."""
    code, voice, quality = name.split("-")
    fam = code.split("_")[0]
    folder = f"{fam}/{code}/{voice}/{quality}"
    by_path = {f"{folder}/{file}": data for file, data in files.items()}
    entry = {
        "key": name, "name": voice, "quality": quality,
        "language": {"code": code, "family": fam, "region": code.split("_")[1],
                     "name_native": fam, "name_english": fam, "country_english": "?"},
        "num_speakers": len(speakers or []) or 1,
        "speaker_id_map": {s: i for i, s in enumerate(speakers or [])},
        "files": {path: {"size_bytes": len(data), "md5_digest": hashlib.md5(data).hexdigest()}
                  for path, data in by_path.items()},
        "aliases": [],
    }
    return entry, by_path


def install_fake(root: Path, name: str, espeak_voice: str, speakers: list[str] | None = None,
                 licence: str = "CC BY 4.0", durations: bool = True) -> Path:
    """Put a fake voice into a voices folder as `reader voices install` would leave it."""
    files = voice_files(name, espeak_voice, speakers, licence, durations)
    entry, _ = catalogue_entry(name, files, speakers)
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for file, data in files.items():
        (folder / file).write_bytes(data)
    (folder / "voice.json").write_text(json.dumps({**entry, "licence": licence}),
                                       encoding="utf-8")
    return folder
