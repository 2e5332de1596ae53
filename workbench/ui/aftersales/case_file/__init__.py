"""The after-sales case file: `CaseFileView` and the parts it is made of (see view.py for the map)."""

from workbench.ui.aftersales.case_file.view import CaseFileView

__all__ = ["CaseFileView"]
