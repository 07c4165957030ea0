"""Every environment variable name, file name and default URL gover uses."""

from __future__ import annotations

# Environment variables.
ENV_HOME = "GOVER_HOME"
ENV_DEBUG = "GOVER_DEBUG"
ENV_INDEX_URL = "GOVER_INDEX_URL"
ENV_DOWNLOAD_BASE = "GOVER_DOWNLOAD_BASE"
ENV_GPG = "GOVER_GPG"
ENV_TRUSTED_KEYS = "GOVER_TRUSTED_KEYS"
ENV_KEY_URL = "GOVER_KEY_URL"
ENV_CA_BUNDLE = "GOVER_CA_BUNDLE"
ENV_SSL_CERT_FILE = "SSL_CERT_FILE"
ENV_GPG_BINARY = "GOVER_GPG_BINARY"
ENV_INDEX_TTL = "GOVER_INDEX_TTL"
ENV_AUTO_INSTALL = "GOVER_AUTO_INSTALL"
ENV_GOOS = "GOVER_GOOS"
ENV_GOARCH = "GOVER_GOARCH"
ENV_TIMEOUT = "GOVER_TIMEOUT"

# Defaults.
DEFAULT_INDEX_URL = "https://go.dev/dl/?mode=json&include=all"
DEFAULT_DOWNLOAD_BASE = "https://dl.google.com/go/"
GO_KEY_URL = "https://dl.google.com/linux/linux_signing_key.pub"
GO_KEY_FINGERPRINT = "EB4C1BFD4F042F6DDDCCEC917721F63BD38B4796"
INDEX_TTL_SECONDS = 3600

# GPG policies.
GPG_REQUIRE = "require"
GPG_AUTO = "auto"
GPG_OFF = "off"
GPG_POLICIES = (GPG_REQUIRE, GPG_AUTO, GPG_OFF)

# File names inside the store.
RECEIPT_NAME = ".gover-receipt.json"
STAGING_PREFIX = ".staging-"
BACKUP_PREFIX = ".old-"
PARTIAL_SUFFIX = ".partial"
CONFIG_NAME = "config.toml"
CONFIG_SCHEMA_VERSION = 1

# Network behaviour.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
MAX_RETRIES = 4
RETRY_BACKOFF = 0.5
CHUNK_SIZE = 1 << 20

# Archive caps: an official Go distribution is ~15k members and ~260 MB unpacked.
MAX_ARCHIVE_MEMBERS = 60_000
MAX_UNPACKED_BYTES = 2 << 30
ARCHIVE_ROOT = "go"

# Download behaviour (gover/toolchain/download.py).
MAX_REDIRECTS = 10
MAX_BACKOFF = 8.0
USER_AGENT = "gover"

# Signatures.
SIGNED_ARCHIVE_SUFFIXES = (".tar.gz",)  # Go signs only .tar.gz; zip/msi/pkg have no .asc
SIGNATURE_SUFFIX = ".asc"
CHECKSUM_SUFFIX = ".sha256"
KEYRING_STAMP_NAME = "gover-keyring.json"

# Version selection (resolve.py and shims/resolve.sh must agree on all of these).
ENV_VERSION = "GOVER_VERSION"
ENV_SHIM_DRYRUN = "GOVER_SHIM_DRYRUN"
ENV_SHIM_DEPTH = "GOVER_SHIM_DEPTH"
GLOBAL_FILE_NAME = "global"
SHIMS_MARKER = ".gover-shims"
VERSION_FILE_LIMIT = 1024
MAX_SHIM_DEPTH = 8

# Shell setup (`gover init`) and completion.
SETUP_BLOCK_BEGIN = "# >>> gover >>>"
SETUP_BLOCK_END = "# <<< gover <<<"
SETUP_BACKUP_SUFFIX = ".gover-backup"
COMPLETE_VAR = "_GOVER_COMPLETE"

# Store ownership (gover/toolchain/store.py): a version directory gover committed carries this file, so a
# receipt-less directory is removed only when gover made it (never a goenv or hand-made tree).
STORE_MARKER = ".gover-made"

# Acquire pipeline hardening (download, verify, extract).
MAX_ARCHIVE_DEPTH = 64  # directory levels below go/ (a Go release needs about 12)
DEADLINE_BASE = 60.0  # seconds: the automatic overall deadline of any request...
DEADLINE_RATE = 256 << 10  # ...plus one second per this many bytes expected
MAX_SIGNATURE_BYTES = 64 << 10  # a .asc file, wherever it comes from
MAX_INDEX_BYTES = 64 << 20  # the release index, fetched or cached

# The version grammar in pin files (versions.PIN_GRAMMAR; rendered into shims/resolve.sh's
# case patterns and the fish and pwsh hooks by gover/select/shims.py and hooks.py).
VERSION_MAX_DIGITS = 9  # per number: the sh resolver compares them with shell arithmetic
VERSION_KINDS = ("alpha", "beta", "rc")  # pre-release kinds, in cmd/go order

# GOTOOLCHAIN values by which the user lets go switch toolchains itself (Go's docs: auto is
# local+auto, path is local+path, NAME+auto, NAME+path). With one of these set and the pin
# not installed, the shims and hooks run the newest installed Go and go switches as go.mod
# asks; unset, local or a bare goX.Y.Z keeps gover's "not installed" exit 127.
ENV_GOTOOLCHAIN = "GOTOOLCHAIN"
GOTOOLCHAIN_SWITCH_MODES = ("auto", "path")

# The native shim (gover/select/native.py): which kind of shims rehash writes (config key
# `shims`), and where built shim binaries are cached (default: the cache dir's shims/).
ENV_SHIMS = "GOVER_SHIMS"
SHIM_KINDS = ("auto", "native", "sh")
ENV_SHIM_CACHE = "GOVER_SHIM_CACHE"

# Mirrors (issue 12): a preset name or a URL, or a list of them tried in order.
ENV_MIRROR = "GOVER_MIRROR"
# Presets: name -> (index URL or "" when the mirror serves no JSON index, download base).
# An index-less mirror serves the bytes; the hashes still come from an index that has them.
MIRROR_PRESETS: dict[str, tuple[str, str]] = {
    "go.dev": (DEFAULT_INDEX_URL, DEFAULT_DOWNLOAD_BASE),
    "golang.google.cn": (
        "https://golang.google.cn/dl/?mode=json&include=all",
        "https://golang.google.cn/dl/",
    ),
    "ustc": ("", "https://mirrors.ustc.edu.cn/golang/"),
    "aliyun": ("", "https://mirrors.aliyun.com/golang/"),
}
MIRROR_INDEX_NAME = "index.json"  # a mirror URL's index: URL/index.json

# Toolchains through the module proxy, proven by the checksum database (issue 13).
ENV_SOURCE = "GOVER_SOURCE"  # go.dev (the release index and download sources) | proxy
ENV_VERIFY_SUMDB = "GOVER_VERIFY_SUMDB"  # auto | require | off
SOURCE_KINDS = ("go.dev", "proxy")
SUMDB_POLICIES = ("auto", "require", "off")
TOOLCHAIN_MODULE = "golang.org/toolchain"
# cmd/go's known checksum database (cmd/go/internal/modfetch/sumdb.go); sum.golang.google.cn
# is the same database (same key) served from another host.
SUMDB_KEYS = {"sum.golang.org": "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"}
SUMDB_ALIASES = {"sum.golang.google.cn": ("sum.golang.org", "https://sum.golang.google.cn")}
DEFAULT_GOPROXY = "https://proxy.golang.org,direct"
DEFAULT_GOSUMDB = "sum.golang.org"

# Where `go install` puts programs (issue 14, gover/tools/gobin.py): one directory shared by
# every Go ($GOBIN, else $GOPATH/bin), or one per gover version (<data dir>/gobin/<version>).
ENV_GOBIN = "GOVER_GOBIN"
GOBIN_SHARED = "shared"
GOBIN_PER_VERSION = "per-version"
GOBIN_MODES = (GOBIN_SHARED, GOBIN_PER_VERSION)
ENV_DEFAULT_PACKAGES = "GOVER_DEFAULT_PACKAGES"  # the default-packages file (tools/defaults.py)
DEFAULT_PACKAGES_NAME = "default-packages"
