"""Artifacts: zip files in the pipeline's artifact store, named by content (sha256), built reproducibly.

The same files give the same bytes (sorted names, fixed timestamps and permissions), so the same source gives
the same digest, and "prod got what staging tested" is a comparison of digests.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from checker.executor.trace import ArtifactRef

if TYPE_CHECKING:
    from checker.executor.world import World

_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Artifact:
    name: str
    data: bytes
    digest: str
    bucket: str
    key: str
    execution_id: str

    @property
    def ref(self) -> ArtifactRef:
        return ArtifactRef(name=self.name, digest=self.digest, location=f"s3://{self.bucket}/{self.key}",
                           execution_id=self.execution_id)  # fmt: skip

    def files(self) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}


def pack(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


class Artifacts:
    """Puts artifacts into the artifact store (a real S3 PUT with the store's KMS key) and reads them back."""

    def __init__(self, world: World) -> None:
        self.world = world

    def store(self, name: str, files: dict[str, bytes], execution_id: str, region: str | None = None) -> Artifact:
        data = pack(files)
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        region = region if region in self.world.buckets else self.world.region
        bucket = self.world.buckets[region]
        key = f"{self.world.pipeline.title[:20]}/{name[:20]}/{digest[7:19]}.zip"
        s3 = self.world.client("s3", self.world.pipeline_account, region)
        s3.put_object(Bucket=bucket, Key=key, Body=data, ServerSideEncryption="aws:kms",
                      SSEKMSKeyId=self.world.keys[region])  # fmt: skip
        return Artifact(name, data, digest, bucket, key, execution_id)

    def fetch(self, artifact: Artifact) -> bytes:
        """The artifact's bytes as S3 holds them, checked against its digest."""
        s3 = self.world.client("s3", self.world.pipeline_account)
        data = s3.get_object(Bucket=artifact.bucket, Key=artifact.key)["Body"].read()
        if "sha256:" + hashlib.sha256(data).hexdigest() != artifact.digest:
            raise ValueError(f"artifact {artifact.name} in s3://{artifact.bucket}/{artifact.key} does not match its digest")
        return data
