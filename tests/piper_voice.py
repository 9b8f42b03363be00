"""A tiny Piper-format voice made with the onnx package: no model weights are downloaded.

The graph has Piper's interface — inputs `input` (int64 [1, N] phoneme ids),
`input_lengths` (int64 [1]), `scales` (float [3]: noise, length, noise_w) and,
for several speakers, `sid` (int64 [1]); output audio float [1, 1, M] — and
speaks a sine whose length follows the number of phoneme ids (256 samples per
id, times length_scale) and whose pitch follows the ids' mean and the speaker,
so different texts and speakers give different audio.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

SAMPLE_RATE = 22050
HOP = 256


def _graph(multi: bool) -> bytes:
    import onnx
    from onnx import TensorProto, helper

    def const(name: str, value: float, kind: int) -> Any:
        return helper.make_node("Constant", [], [name],
                                value=helper.make_tensor(name + "_v", kind, [], [value]))

    nodes = [
        const("hop", float(HOP), TensorProto.FLOAT),
        const("zero", 0, TensorProto.INT64),
        const("one", 1, TensorProto.INT64),
        const("length_index", 1, TensorProto.INT64),
        const("base", 200.0, TensorProto.FLOAT),
        const("omega", 2 * math.pi / SAMPLE_RATE, TensorProto.FLOAT),
        const("amplitude", 0.3, TensorProto.FLOAT),
        helper.make_node("Constant", [], ["axis0"],
                         value=helper.make_tensor("axis0_v", TensorProto.INT64, [1], [0])),
        helper.make_node("Constant", [], ["shape"],
                         value=helper.make_tensor("shape_v", TensorProto.INT64, [3], [1, 1, -1])),
        # samples = input_lengths * hop * length_scale
        helper.make_node("Squeeze", ["input_lengths", "axis0"], ["n_int"]),
        helper.make_node("Cast", ["n_int"], ["n"], to=TensorProto.FLOAT),
        helper.make_node("Gather", ["scales", "length_index"], ["length_scale"], axis=0),
        helper.make_node("Mul", ["n", "hop"], ["n_hop"]),
        helper.make_node("Mul", ["n_hop", "length_scale"], ["samples_f"]),
        helper.make_node("Cast", ["samples_f"], ["samples"], to=TensorProto.INT64),
        helper.make_node("Range", ["zero", "samples", "one"], ["t_int"]),
        helper.make_node("Cast", ["t_int"], ["t"], to=TensorProto.FLOAT),
        # frequency = 200 + mean(phoneme ids) (+ 60 * speaker)
        helper.make_node("Cast", ["input"], ["ids"], to=TensorProto.FLOAT),
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
        helper.make_node("Reshape", ["quiet", "shape"], ["output"]),
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
                licence: str = "CC BY 4.0") -> dict[str, bytes]:
    """The files of a voice by file name: model, config and MODEL_CARD."""
    code = name.split("-")[0]
    return {
        f"{name}.onnx": _graph(bool(speakers)),
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
                 licence: str = "CC BY 4.0") -> Path:
    """Put a fake voice into a voices folder as `reader voices install` would leave it."""
    files = voice_files(name, espeak_voice, speakers, licence)
    entry, _ = catalogue_entry(name, files, speakers)
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for file, data in files.items():
        (folder / file).write_bytes(data)
    (folder / "voice.json").write_text(json.dumps({**entry, "licence": licence}),
                                       encoding="utf-8")
    return folder
