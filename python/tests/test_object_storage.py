"""Object storage: omearrow.open and open_collection over s3:// against a real S3 API
server (moto's, started on 127.0.0.1 by these tests) behind a counting proxy.

Pixels read through s3:// equal local reads for every encoding; the requests and bytes
of an open and of one plane are counted; a filter on well reads only the matching
files; bad sources (missing bucket/key, wrong credentials, non-OME and truncated objects)
raise errors naming them, or are reported with on_error="skip"; S3 is finalized cleanly
at interpreter exit whether or not pyarrow.fs was imported."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")

import omearrow  # noqa: E402
from collection_support import (  # noqa: E402
    ENCODINGS,
    row_group_ranges,
    well_plate_well,
    write_plate,
    write_well_plate,
)
from s3_support import (  # noqa: E402,F401  (aws_env, s3: the shared fixtures)
    BUCKET,
    HOST,
    aws_env,
    isolated_aws_env,
    moto_server,
    footer_reads,
    s3,
    s3_uri,
)


def upload(client, local: pathlib.Path, key: str) -> None:
    client.put_object(Bucket=BUCKET, Key=key, Body=local.read_bytes())


@pytest.fixture(scope="module")
def plate(s3, tmp_path_factory):
    """200 files × 3 rows, uploaded under plate/."""
    client, _, _ = s3
    plate = write_plate(tmp_path_factory.mktemp("s3plate"), files=200, rows=3)
    for path in plate.files:
        upload(client, path, f"plate/{path.name}")
    return plate


def test_collection_over_s3_equals_local(s3, plate):
    _, port, counter = s3
    counter.reset()
    remote = omearrow.open_collection(s3_uri(f"{BUCKET}/plate/", port))
    local = omearrow.open_collection(plate.files[0].parent)
    assert len(remote) == len(local) == 600
    assert remote.errors == []
    a, b = remote.metadata, local.metadata
    assert a.drop_columns(["path"]).equals(b.drop_columns(["path"]))
    assert a.column("path")[0].as_py() == s3_uri(f"{BUCKET}/plate/plate_0000.parquet", port)
    gets = [r for r in counter.snapshot() if r.method == "GET" and r.key.endswith(".parquet")]
    # Footer and metadata leaves: a few requests per file, not one per page.
    assert len({r.key for r in gets}) == 200
    assert len(gets) <= 3 * 200
    # Footers and metadata leaves through the read-ahead windows: never more than the
    # files hold (these small files are read whole by the 64 KiB footer request).
    assert 0 < sum(r.body_bytes for r in gets) <= sum(p.stat().st_size for p in plate.files)
    assert remote.open_bytes_read > 0


def test_filter_reads_only_matching_files(s3, plate):
    _, port, counter = s3
    collection = omearrow.open_collection(s3_uri(f"{BUCKET}/plate/", port))
    counter.reset()
    selected = collection.filter(pc.field("Metadata_Well") == "C03")
    assert len(selected) == 25
    matching = {f"{BUCKET}/plate/{pathlib.PurePosixPath(p.split('?')[0]).name}"
                for p in selected.metadata.column("path").to_pylist()}
    assert len(matching) == 25
    assert counter.snapshot() == []  # filtering reads nothing
    for image, path, row in zip(selected, selected.metadata.column("path").to_pylist(),
                                selected.metadata.column("row").to_pylist()):
        local = str(plate.files[0].parent / pathlib.PurePosixPath(path.split("?")[0]).name)
        np.testing.assert_array_equal(
            image.tensor_view(t=0, z=0, layout="CYX").to_numpy(), plate.pixels[(local, row)]
        )
    read_keys = {r.key for r in counter.snapshot() if r.method == "GET"}
    assert read_keys and read_keys <= matching


@pytest.fixture(scope="module")
def well_plate(s3, tmp_path_factory):
    """200 files × 4 rows in 2 row groups (one well each), uploaded under wells/."""
    client, _, _ = s3
    plate = write_well_plate(tmp_path_factory.mktemp("s3wells"), files=200)
    for path in plate.files:
        upload(client, path, f"wells/{path.name}")
    return plate


def _range_start(header: str | None, size: int) -> int:
    """The first byte a GET's Range header asks for (bytes=a-b or a suffix bytes=-n)."""
    assert header is not None and header.startswith("bytes="), header
    first = header[len("bytes="):].split("-")[0]
    return int(first) if first else size - int(header.split("-")[1])


def test_pushed_down_filter_reads_footers_and_matching_row_groups(s3, well_plate):
    _, port, counter = s3
    well = well_plate_well(37, 0)  # files 37 and 133, rows 0-1
    counter.reset()
    selected = omearrow.open_collection(s3_uri(f"{BUCKET}/wells/", port),
                                        filter=pc.field("Metadata_Well") == well, cache=False)
    local = omearrow.open_collection(well_plate.files[0].parent,
                                     filter=pc.field("Metadata_Well") == well, cache=False)
    assert len(selected) == len(local) == 4
    assert selected.metadata.drop_columns(["path"]).equals(
        local.metadata.drop_columns(["path"]))
    assert selected.row_groups_skipped == 400 - 2
    by_key: dict[str, list] = {}
    for r in counter.snapshot():
        if r.method == "GET" and r.key.endswith(".parquet"):
            by_key.setdefault(r.key, []).append(r)
    assert len(by_key) == 200  # every footer, once
    matching = {f"{BUCKET}/wells/wells_{f:04d}.parquet" for f in (37, 133)}
    for path in well_plate.files:
        key = f"{BUCKET}/wells/{path.name}"
        size = path.stat().st_size
        gets = by_key[key]
        footer = [r for r in gets if r.body_bytes == min(64 * 1024, size)
                  and _range_start(r.range, size) == size - r.body_bytes]
        assert len(footer) == 1, (key, gets)
        others = [r for r in gets if r is not footer[0]]
        if key not in matching:
            assert others == [], (key, gets)  # ruled out: only the footer was fetched
            continue
        # Matching files: besides the footer, requests start inside row group 0 only
        # (row group 1 holds the other well).
        assert others, key
        first, second = row_group_ranges(path)
        for r in others:
            start = _range_start(r.range, size)
            assert first[0] <= start < first[1], (key, r, first, second)
    footers = sum(min(64 * 1024, p.stat().st_size) for p in well_plate.files)
    transferred = sum(r.body_bytes for gets in by_key.values() for r in gets)
    assert transferred <= footers + 2 * 2 * 64 * 1024  # two row groups' read-ahead windows
    assert selected.open_bytes_read <= transferred
    for image, path, row in zip(selected, local.metadata.column("path").to_pylist(),
                                local.metadata.column("row").to_pylist()):
        np.testing.assert_array_equal(image.tensor_view(layout="CYX").to_numpy(),
                                      well_plate.pixels[(path, row)])


def test_reopening_an_unchanged_prefix_reads_no_footer(s3, well_plate, tmp_path):
    client, port, counter = s3
    for path in well_plate.files[:20]:
        upload(client, path, f"cached/{path.name}")
    uri = s3_uri(f"{BUCKET}/cached/", port)
    counter.reset()
    first = omearrow.open_collection(uri)
    first_gets = [r for r in counter.snapshot()
                  if r.method == "GET" and r.key.endswith(".parquet")]
    assert len({r.key for r in first_gets}) == 20
    counter.reset()
    again = omearrow.open_collection(uri)
    requests = counter.snapshot()
    assert [r for r in requests if r.key.endswith(".parquet")] == []  # no GET, no HEAD
    assert len(requests) >= 1  # the listing
    assert again.open_bytes_read == 0
    assert again.metadata.equals(first.metadata)
    # A filtered reopen is served from the cache too.
    counter.reset()
    site = omearrow.open_collection(uri, filter=pc.field("Metadata_Site") == 2)
    assert len(site) == 20
    assert [r for r in counter.snapshot() if r.key.endswith(".parquet")] == []
    # An object replaced (other size) is read again, alone.
    table = pq.read_table(well_plate.files[3])
    table = table.set_column(1, "Metadata_Well", pa.array(["Z99-replaced"] * 4))
    replaced = tmp_path / "replaced.parquet"
    pq.write_table(table, replaced, row_group_size=2)
    upload(client, replaced, f"cached/{well_plate.files[3].name}")
    counter.reset()
    changed = omearrow.open_collection(uri)
    read = {r.key for r in counter.snapshot()
            if r.method == "GET" and r.key.endswith(".parquet")}
    assert read == {f"{BUCKET}/cached/{well_plate.files[3].name}"}
    assert changed.metadata.column("Metadata_Well").to_pylist().count("Z99-replaced") == 4


def _cli(env, *args):
    return subprocess.run([sys.executable, "-m", "omearrow._cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env)


def test_write_parquet_to_s3(s3, plate, tmp_path):
    client, port, counter = s3
    image = omearrow.open(plate.files[5], row=1)
    uri = s3_uri(f"{BUCKET}/written/a.parquet", port)
    counter.reset()
    omearrow.write_parquet(image, uri, encoding="list")
    assert any(r.method in ("PUT", "POST") and r.key.startswith(f"{BUCKET}/written/a.parquet")
               for r in counter.snapshot())
    back = omearrow.open(uri)
    assert back.encoding == "list-chunks"
    np.testing.assert_array_equal(back.tensor_view().to_numpy(), image.tensor_view().to_numpy())
    # The object equals what a local write gives.
    local = tmp_path / "a.parquet"
    omearrow.write_parquet(image, local, encoding="list")
    body = client.get_object(Bucket=BUCKET, Key="written/a.parquet")["Body"].read()
    assert pq.read_table(pa.BufferReader(body)).equals(pq.read_table(local))
    # Errors name the URI; nothing is written for them.
    with pytest.raises(OSError, match="no-such-bucket"):
        omearrow.write_parquet(image, s3_uri("no-such-bucket/x.parquet", port))
    with pytest.raises(ValueError, match="unknown parquet_compression"):
        omearrow.write_parquet(image, s3_uri(f"{BUCKET}/written/bad.parquet", port),
                               parquet_compression="nope")
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix="written/")["Contents"]}
    assert keys == {"written/a.parquet"}


def test_cli_info_and_resumable_convert_over_s3(s3, plate, aws_env):
    client, port, _ = s3
    one = _cli(aws_env, "info", "--json", "--row", "2",
               s3_uri(f"{BUCKET}/plate/plate_0007.parquet", port))
    assert one.returncode == 0, one.stderr
    info = json.loads(one.stdout)
    assert info["id"] == "img-7-2" and info["rows"] == 3
    many = _cli(aws_env, "info", "--json", s3_uri(f"{BUCKET}/plate/plate_001*.parquet", port))
    assert many.returncode == 0, many.stderr
    assert json.loads(many.stdout)["images"] == 30
    source = s3_uri(f"{BUCKET}/plate/plate_002*.parquet", port)
    target = s3_uri(f"{BUCKET}/converted/", port)
    first = _cli(aws_env, "convert", source, target, "--filter", "Metadata_Site != 0")
    assert first.returncode == 0, first.stderr
    assert "converted 20 images" in first.stderr and "(20/20)" in first.stderr

    def keys():
        listed = client.list_objects_v2(Bucket=BUCKET, Prefix="converted/").get("Contents", [])
        return {o["Key"]: o["ETag"] for o in listed}

    written = keys()
    assert sorted(written) == sorted(f"converted/plate_{f:04d}_r{r}.ome.parquet"
                                     for f in range(20, 30) for r in (1, 2))
    back = omearrow.open(s3_uri(f"{BUCKET}/converted/plate_0023_r2.ome.parquet", port))
    np.testing.assert_array_equal(back.tensor_view(t=0, z=0, layout="CYX").to_numpy(),
                                  plate.pixels[(str(plate.files[23]), 2)])
    client.delete_object(Bucket=BUCKET, Key="converted/plate_0025_r1.ome.parquet")
    again = _cli(aws_env, "convert", "--no-progress", source, target, "--filter",
                 "Metadata_Site != 0")
    assert again.returncode == 0, again.stderr
    assert "converted 1 images" in again.stderr and "19 already there" in again.stderr
    assert set(keys()) == set(written)


@pytest.fixture(scope="module")
def big_images(s3, tmp_path_factory):
    """One file per encoding (and planes-only), 2 rows of 2 × 512 × 512 uint16."""
    client, _, _ = s3
    directory = tmp_path_factory.mktemp("big")
    out = {}
    for i, encoding in enumerate(ENCODINGS):
        plate = write_plate(directory / encoding, files=1, rows=2, shape=(2, 512, 512),
                            encodings=(encoding,), chunk_shape=(1, 256, 256))
        path = plate.files[0]
        upload(client, path, f"big/{encoding}.parquet")
        out[encoding] = (path, plate)
    # Planes only: the list record without its chunks.
    path, plate = out["list-chunks"]
    table = pq.read_table(path)
    records = table.column("ome_arrow").combine_chunks()
    names = [f.name for f in records.type if f.name not in ("chunks", "chunk_grid")]
    planes = pa.StructArray.from_arrays([records.field(n) for n in names], names=names)
    planes_path = directory / "planes.parquet"
    pq.write_table(table.set_column(table.schema.get_field_index("ome_arrow"), "ome_arrow",
                                    planes), planes_path, row_group_size=1)
    upload(client, planes_path, "big/planes.parquet")
    out["planes"] = (planes_path, plate)
    return out


@pytest.mark.parametrize("encoding", list(ENCODINGS) + ["planes"])
def test_pixels_equal_local_for_every_encoding(s3, big_images, encoding):
    _, port, _ = s3
    local_path, _ = big_images[encoding]
    for row in (0, 1):
        remote = omearrow.open(s3_uri(f"{BUCKET}/big/{encoding}.parquet", port), row=row)
        local = omearrow.open(local_path, row=row)
        assert remote.encoding == local.encoding
        assert remote.shape == local.shape
        np.testing.assert_array_equal(remote.tensor_view().to_numpy(),
                                      local.tensor_view().to_numpy())
        np.testing.assert_array_equal(
            remote.tensor_view(t=0, z=0, c=1, roi=(100, 200, 300, 50)).to_numpy(),
            local.tensor_view(t=0, z=0, c=1, roi=(100, 200, 300, 50)).to_numpy(),
        )


def test_requests_and_bytes_of_open_and_one_plane(s3, big_images):
    client, port, counter = s3
    local_path, _ = big_images["byte-chunks-raw"]
    # A key no other test reads (nothing cached anywhere from earlier opens).
    upload(client, local_path, "big/requests.parquet")
    key = f"{BUCKET}/big/requests.parquet"
    counter.reset()
    image = omearrow.open(s3_uri(key, port), row=1)
    opened = [r for r in counter.snapshot() if r.key == key and r.method == "GET"]
    size = local_path.stat().st_size
    # The open: footer and the row group's metadata leaves, in few requests.
    assert 1 <= len(opened) <= 4
    assert sum(r.body_bytes for r in opened) < size / 8
    counter.reset()
    plane = image.tensor_view(t=0, z=0, c=1, layout="YX").to_numpy()
    assert plane.shape == (512, 512)
    reads = [r for r in counter.snapshot() if r.key == key and r.method == "GET"]
    needed = 512 * 512 * 2  # uncompressed byte chunks: the plane's four chunks
    transferred = sum(r.body_bytes for r in reads)
    assert needed <= transferred <= 2 * needed, (transferred, needed, counter.snapshot())
    assert len(reads) <= 12


def test_opening_other_rows_of_an_object_reads_its_footer_once(s3, big_images, tmp_path):
    """omearrow.open of each row of one object (what Dask and Ray workers do) reads the
    footer at the first open only; a replaced object (other size) is read again."""
    client, port, counter = s3
    local_path, _ = big_images["byte-chunks-zstd"]
    key = f"{BUCKET}/big/footer-once.parquet"
    upload(client, local_path, "big/footer-once.parquet")
    size = local_path.stat().st_size
    counter.reset()
    for row in (0, 1, 0, 1):
        remote = omearrow.open(s3_uri(key, port), row=row)
        local = omearrow.open(local_path, row=row)
        np.testing.assert_array_equal(remote.tensor_view(t=0, z=0).to_numpy(),
                                      local.tensor_view(t=0, z=0).to_numpy())
    assert footer_reads(counter.snapshot(), key, size) == 1, counter.snapshot()
    # Another object at the key: its own footer.
    other, _ = big_images["byte-chunks-raw"]
    upload(client, other, "big/footer-once.parquet")
    counter.reset()
    image = omearrow.open(s3_uri(key, port), row=1)
    np.testing.assert_array_equal(image.tensor_view(t=0, z=0).to_numpy(),
                                  omearrow.open(other, row=1).tensor_view(t=0, z=0).to_numpy())
    assert footer_reads(counter.snapshot(), key, other.stat().st_size) == 1


def test_uri_options(s3, plate):
    client, port, _ = s3
    # anonymous=true sends unsigned requests: a public-read object opens, a private one
    # is refused (an error naming the URI).
    client.put_object(Bucket=BUCKET, Key="public/a.parquet", Body=plate.files[2].read_bytes(),
                      ACL="public-read")
    anonymous = omearrow.open(s3_uri(f"{BUCKET}/public/a.parquet", port) + "&anonymous=true",
                              row=2)
    assert anonymous.shape == (1, 2, 1, 24, 20)
    np.testing.assert_array_equal(anonymous.tensor_view(t=0, z=0, layout="CYX").to_numpy(),
                                  plate.pixels[(str(plate.files[2]), 2)])
    with pytest.raises(OSError, match="plate_0002.parquet.*(ACCESS_DENIED|AccessDenied)"):
        omearrow.open_collection(
            s3_uri(f"{BUCKET}/plate/plate_0002.parquet", port) + "&anonymous=true"
        )
    with pytest.raises(OSError, match="anonymous must be true or false"):
        omearrow.open_collection(s3_uri(f"{BUCKET}/plate/", port) + "&anonymous=maybe")
    with pytest.raises(OSError, match="request_timeout"):
        omearrow.open(s3_uri(f"{BUCKET}/plate/plate_0002.parquet", port).replace(
            "request_timeout=60", "request_timeout=-1"))
    with pytest.raises(OSError, match="nosuchoption"):
        omearrow.open(s3_uri(f"{BUCKET}/plate/plate_0002.parquet", port) + "&nosuchoption=1")


def test_missing_bucket_key_and_bad_objects(s3, plate, tmp_path):
    client, port, _ = s3
    with pytest.raises(OSError, match="no-such-bucket"):
        omearrow.open_collection(s3_uri("no-such-bucket/x/", port))
    with pytest.raises(OSError, match="missing.parquet"):
        omearrow.open(s3_uri(f"{BUCKET}/plate/missing.parquet", port))
    with pytest.raises(OSError, match="nothing/"):
        omearrow.open_collection(s3_uri(f"{BUCKET}/nothing/", port))
    # A prefix with a non-OME file and a truncated one beside good files.
    good = plate.files[0]
    upload(client, good, "mixed/a.parquet")
    plain = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"x": [1]}), plain)
    upload(client, plain, "mixed/b.parquet")
    data = plate.files[1].read_bytes()
    client.put_object(Bucket=BUCKET, Key="mixed/c.parquet", Body=data[: len(data) // 2])
    uri = s3_uri(f"{BUCKET}/mixed/", port)
    with pytest.raises(ValueError, match="mixed/b.parquet"):
        omearrow.open_collection(uri)
    skipped = omearrow.open_collection(uri, on_error="skip")
    assert len(skipped) == 3
    assert [p.split("?")[0] for p, _ in skipped.errors] == [
        f"s3://{BUCKET}/mixed/b.parquet", f"s3://{BUCKET}/mixed/c.parquet"
    ]
    assert "mixed/c.parquet" in skipped.errors[1][1]
    # Glob in the last component.
    globbed = omearrow.open_collection(s3_uri(f"{BUCKET}/plate/plate_000*.parquet", port))
    assert len(globbed) == 30
    # Nothing was written to the bucket by omearrow.
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix="mixed/")["Contents"]}
    assert keys == {"mixed/a.parquet", "mixed/b.parquet", "mixed/c.parquet"}


def test_wrong_credentials_name_the_source(tmp_path, aws_env, plate):
    # A second server that checks credentials: the first 3 requests (IAM user, policy,
    # key) are unauthenticated, everything after needs a valid key and signature.
    env = dict(aws_env, INITIAL_NO_AUTH_ACTION_COUNT="3")
    with moto_server(env) as port:
        endpoint = f"http://{HOST}:{port}"
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
        iam.create_user(UserName="reader")
        iam.put_user_policy(
            UserName="reader", PolicyName="all",
            PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                           '"Action": "*", "Resource": "*"}]}',
        )
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id=key["AccessKeyId"],
                              aws_secret_access_key=key["SecretAccessKey"])
        client.create_bucket(Bucket=BUCKET)
        upload(client, plate.files[0], "a.parquet")
        script = textwrap.dedent(f"""
            import omearrow
            c = omearrow.open_collection({s3_uri(BUCKET + '/a.parquet', port)!r})
            print(len(c))
        """)
        good = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
            env=dict(aws_env, AWS_ACCESS_KEY_ID=key["AccessKeyId"],
                     AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"]),
        )
        assert good.returncode == 0, good.stderr
        assert good.stdout.strip() == "3"
        for key_id, secret in ((key["AccessKeyId"], "wrong-secret"), ("AKIAUNKNOWN", "x")):
            bad = subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                env=dict(aws_env, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret),
            )
            assert bad.returncode != 0
            assert "OSError" in bad.stderr and f"s3://{BUCKET}/a.parquet" in bad.stderr, (
                bad.stderr[-2000:]
            )


@pytest.mark.parametrize("import_fs", [False, True])
def test_clean_exit_with_and_without_pyarrow_fs(s3, plate, import_fs, aws_env):
    _, port, _ = s3
    script = textwrap.dedent(f"""
        {"import pyarrow.fs" if import_fs else ""}
        import omearrow
        keep = omearrow.open_collection({s3_uri(BUCKET + '/plate/plate_0001.parquet', port)!r})
        image = keep[0]
        print(image.tensor_view(t=0, z=0).to_numpy().sum() >= 0)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, env=aws_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    assert "Finalize" not in result.stderr and "finalize" not in result.stderr, result.stderr
