"""Flash and static RAM of a firmware ELF, and per-symbol sizes, with pyelftools.

Board-independent rules (they hold for firmware/board/common/cortexm.ld):
  flash = every allocated section with contents (vector table, code, read-only data, and the
          initial values of .data, which are stored in flash and copied at reset)
  ram_static = allocated, writable sections except the stacks (.data, .bss)
  stack_reserved = .stack + .handler_stack (the reservations the linker script makes)
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from tinyfw.errors import InputError

STACK_SECTIONS = (".stack", ".handler_stack")


@dataclass(frozen=True)
class ElfSizes:
    flash: int  # bytes of the flash image
    ram_static: int  # .data + .bss (no stacks)
    stack_reserved: int  # thread + handler stack reservations
    code: int  # executable sections (vector table, .text)
    rodata: int  # read-only data (model weights live here)
    data: int  # initialised RAM (its initial image also counts in flash)
    bss: int  # zeroed RAM
    sections: dict[str, int] = field(default_factory=dict)  # allocated sections by name

    @property
    def ram_total(self) -> int:
        """Everything the linker reserves in RAM: static data and the stacks."""
        return self.ram_static + self.stack_reserved


def _read(elf: Path) -> bytes:
    try:
        return elf.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the firmware: {exc.strerror}", file=elf) from None


def _elf(elf: Path) -> ELFFile:
    try:
        return ELFFile(io.BytesIO(_read(elf)))
    except ELFError as exc:
        raise InputError(f"not an ELF file: {exc}", file=elf) from None


def elf_sizes(elf: Path | str) -> ElfSizes:
    """Flash / RAM use of an ELF (see the module docstring for what counts where)."""
    elf = Path(elf)
    f = _elf(elf)
    flash = ram = stack = code = rodata = data = bss = 0
    sections: dict[str, int] = {}
    for sec in f.iter_sections():
        flags = sec["sh_flags"]
        if not flags & SH_FLAGS.SHF_ALLOC or sec["sh_size"] == 0:
            continue
        size = sec["sh_size"]
        sections[sec.name] = size
        has_bits = sec["sh_type"] != "SHT_NOBITS"
        writable = bool(flags & SH_FLAGS.SHF_WRITE)
        if sec.name in STACK_SECTIONS:
            stack += size
            continue
        if has_bits:
            flash += size
        if writable:
            ram += size
            if has_bits:
                data += size
            else:
                bss += size
        elif flags & SH_FLAGS.SHF_EXECINSTR or sec.name == ".isr_vector":
            code += size
        elif has_bits:
            rodata += size
    return ElfSizes(flash, ram, stack, code, rodata, data, bss, sections)


def symbol_sizes(elf: Path | str, prefix: str | None = None) -> dict[str, int]:
    """Sizes of functions and data objects (name -> bytes), largest first.

    prefix keeps only names starting with it (e.g. "tfw_" for the kernels, the model's symbol
    prefix for its weights). Same-named static symbols from different files are added up.
    """
    elf = Path(elf)
    f = _elf(elf)
    sizes: dict[str, int] = {}
    symtab = f.get_section_by_name(".symtab")
    if not isinstance(symtab, SymbolTableSection):
        raise InputError("the ELF has no symbol table (stripped?)", file=elf)
    for sym in symtab.iter_symbols():
        if sym["st_info"]["type"] not in ("STT_FUNC", "STT_OBJECT") or sym["st_size"] == 0:
            continue
        if sym["st_shndx"] in ("SHN_UNDEF", "SHN_ABS"):
            continue
        if prefix is not None and not sym.name.startswith(prefix):
            continue
        sizes[sym.name] = sizes.get(sym.name, 0) + sym["st_size"]
    return dict(sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])))
