"""Results on disk: publishing folders safely (:mod:`gridsim.results.publish`) and
checking that what a manifest lists is intact (:mod:`gridsim.results.integrity`)."""

from gridsim.results.integrity import file_records, reseal, verify_files
from gridsim.results.publish import (
    OutputError,
    check_destination,
    check_file_destination,
    is_gridsim_folder,
    output_lock,
    publish_dir,
    staging_dir,
    write_file_atomic,
)

__all__ = [
    "OutputError",
    "check_destination",
    "check_file_destination",
    "file_records",
    "is_gridsim_folder",
    "output_lock",
    "publish_dir",
    "reseal",
    "staging_dir",
    "verify_files",
    "write_file_atomic",
]
