"""Typed errors of the contract layer. Every message a person reads is Vietnamese, with an English
line for operators. `tasks.core.errors` builds the rest of the tree on `DxError`."""

from __future__ import annotations


class DxError(Exception):
    """Base of every expected error: carries a Vietnamese and an English message and a hint."""

    exit_code = 1

    def __init__(self, message_vi: str, message_en: str, hint_vi: str = "", hint_en: str = ""):
        self.message_vi = message_vi
        self.message_en = message_en
        self.hint_vi = hint_vi
        self.hint_en = hint_en
        super().__init__(message_en)

    def user_message(self) -> str:
        vi = self.message_vi + (f" {self.hint_vi}" if self.hint_vi else "")
        en = self.message_en + (f" {self.hint_en}" if self.hint_en else "")
        return f"{vi}\n[EN] {en}"


class CatalogError(DxError):
    """The catalogue (YAML or CSV) is broken: the message names the file and the entry."""

    def __init__(self, file: str, entry: str, problem_vi: str, problem_en: str):
        self.file = file
        self.entry = entry
        super().__init__(
            f"Danh mục lỗi: tệp {file}, mục {entry}: {problem_vi}",
            f"Broken catalogue: file {file}, entry {entry}: {problem_en}",
            "Sửa mục này trong tệp danh mục rồi chạy lại.",
            "Fix this entry in the catalogue file and run again.",
        )
