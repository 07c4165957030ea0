# gover's version resolver in POSIX sh: the same rules as gover/resolve.py, starting no
# process. Inlined into every shim by `gover rehash` and into the bash/zsh hooks, rendered
# by gover/select/shims.py (resolver_source): its placeholders are filled in from paths.py,
# constants.py and store.is_installed, so none of those facts is typed out here.
# Needs: _gv_bom and _gv_cr (a UTF-8 BOM and a CR, put in as literal bytes when rendered,
# since $(printf) would start a process). Sets on success: _gv_root (GOROOT, or empty for
# system), _gv_sys (the system go, for system), _gv_tok (what was asked), _gv_src (why).
# Returns 0 when a toolchain was chosen, 1 when the choice is not installed, 2 when the
# choice is "system" but no system go exists. After a 1, _gv_switch may choose a stand-in.
# Reading rules (shared with Python): regular files only; at most the first 1 KiB is read,
# every byte counting (NULs too, and then dropped); a UTF-8 BOM and CRs tolerated; the first
# token of the first non-comment line must be a version, a prefix, "latest" or "system";
# anything else is ignored with a warning. A version file that is there but is not a
# readable regular file is skipped with a warning. $PWD is cleaned as pathlib does ("."
# parts, repeated and trailing slashes dropped; ".." kept).

# gover's store (paths.py): installs, alias files, the global file, its own go shim.
_gv_versions=@VERSIONS@
_gv_aliases=@ALIASES@
_gv_global=@GLOBAL@
_gv_shimgo=@SHIMGO@

_gv_warn() { printf 'gover: warning: %s\n' "$1" >&2; }

# _gv_show WORD -> _gv_s: 'WORD' for a warning, or a stand-in when WORD holds anything but
# printable ASCII: a hostile version file must not put escape sequences on the terminal.
_gv_show() {
  case $1 in *[![:print:]]*) _gv_s='(unprintable text)' ;; *) _gv_s="'$1'" ;; esac
}

# _gv_num S: S is 1 to VERSION_MAX_DIGITS digits without a leading zero.
_gv_num() {
  case $1 in '' | *[!0-9]* | 0?* | @TOO_LONG@) return 1 ;; esac
  return 0
}

# _gv_valid TOKEN: the version grammar gover accepts in files (no "go" prefix here).
_gv_valid() {
  case $1 in '' | *[!0-9a-z.]* | .* | *. | *..*) return 1 ;; esac
  _gv_num "${1%%.*}" || return 1
  case $1 in *.*) ;; *) return 0 ;; esac
  _gv_r=${1#*.}
  case $_gv_r in
  *.*.*) return 1 ;;
  *.*)
    _gv_num "${_gv_r%%.*}" && _gv_num "${_gv_r#*.}"
    return
    ;;
  esac
  _gv_m=${_gv_r%%[a-z]*}
  _gv_num "$_gv_m" || return 1
  _gv_r=${_gv_r#"$_gv_m"}
  [ -z "$_gv_r" ] && return 0
  _gv_k=${_gv_r%%[0-9]*}
  case $_gv_k in @KINDS@) ;; *) return 1 ;; esac
  _gv_r=${_gv_r#"$_gv_k"}
  [ -z "$_gv_r" ] || _gv_num "$_gv_r"
}

# _gv_key V: split a valid version into _gk1 (major) _gk2 (minor) _gk3 (patch, -1 none)
# _gk4 (kind rank: 0 none, then 1, 2... in VERSION_KINDS order) _gk5 (pre, -1 none), as
# cmd/go orders.
_gv_key() {
  _gk2=0 _gk3=-1 _gk4=0 _gk5=-1
  _gk1=${1%%.*}
  case $1 in *.*) ;; *)
    _gk3=0
    return
    ;;
  esac
  _gv_r=${1#*.}
  case $_gv_r in
  *.*)
    _gk2=${_gv_r%%.*} _gk3=${_gv_r#*.}
    return
    ;;
  *[a-z]*) ;;
  *)
    _gk2=$_gv_r
    [ "$_gk1" = 1 ] && [ "$_gk2" -lt 21 ] && _gk3=0
    return
    ;;
  esac
  _gk2=${_gv_r%%[a-z]*}
  _gv_r=${_gv_r#"$_gk2"}
  case $_gv_r in @KIND_RANKS@ esac
  _gv_r=${_gv_r#"${_gv_r%%[0-9]*}"}
  [ -n "$_gv_r" ] && _gk5=$_gv_r
  return 0
}

# _gv_ge A B: A >= B in cmd/go order (both valid).
_gv_ge() {
  _gv_key "$2"
  _gb1=$_gk1 _gb2=$_gk2 _gb3=$_gk3 _gb4=$_gk4 _gb5=$_gk5
  _gv_key "$1"
  [ "$_gk1" -ne "$_gb1" ] && { [ "$_gk1" -gt "$_gb1" ]; return; }
  [ "$_gk2" -ne "$_gb2" ] && { [ "$_gk2" -gt "$_gb2" ]; return; }
  [ "$_gk3" -ne "$_gb3" ] && { [ "$_gk3" -gt "$_gb3" ]; return; }
  [ "$_gk4" -ne "$_gb4" ] && { [ "$_gk4" -gt "$_gb4" ]; return; }
  [ "$_gk5" -ge "$_gb5" ]
}

# _gv_norm TOKEN: strip a "go" prefix into _gv_t; 1 if the result is not acceptable.
_gv_norm() {
  _gv_t=$1
  case $_gv_t in system | latest) return 0 ;; go[0-9]*) _gv_t=${_gv_t#go} ;; esac
  _gv_valid "$_gv_t"
}

# The byte limit for version files: constants.VERSION_FILE_LIMIT.
_gv_max=@LIMIT@
_gv_nl='
'

# _gv_slurp FILE -> _gv_txt, _gv_cut: the first 1 KiB of FILE with its NUL bytes removed, and
# _gv_cut=1 when FILE is longer. Reads at most 1 KiB + 1 byte, every byte counting, whatever
# the file holds: sh's plain `read` cannot promise that, since it drops NULs unseen and reads
# a line to its end in one call (20 MiB of NULs, or a sparse 10 GB file, would be read whole).
# Each shell gets the bounded read it has:
if [ -n "${ZSH_VERSION-}" ]; then
  # zsh (the hook, under `emulate -L sh`: no multibyte, so characters are bytes): read -k
  # counts every byte and keeps NULs; they go afterwards (_gv_nul is set by hook.zsh).
  _gv_slurp() {
    _gv_txt= _gv_cut=
    {
      IFS= read -r -k "$_gv_max" -u 0 _gv_txt
      if [ "${#_gv_txt}" -ge "$_gv_max" ] && IFS= read -r -k 1 -u 0 _gv_ch; then _gv_cut=1; fi
      _gv_txt=${_gv_txt//"$_gv_nul"/}
      return 0
    } <"$1" || return 1
  }
elif read -r -d '' -n 1 _gv_ch </dev/null 2>/dev/null; [ $? -eq 1 ]; then
  # bash (the hook, and the shims where sh is bash), under LC_ALL=C: read -d '' stops at
  # each NUL, so NULs are counted one by one; -n bounds the rest.
  _gv_slurp() {
    _gv_txt= _gv_cut= _gv_left=$_gv_max
    {
      while [ "$_gv_left" -gt 0 ]; do
        if ! IFS= read -r -d '' -n "$_gv_left" _gv_ch; then
          _gv_txt=$_gv_txt$_gv_ch
          return 0
        fi
        _gv_txt=$_gv_txt$_gv_ch
        if [ "${#_gv_ch}" -lt "$_gv_left" ]; then
          _gv_left=$((_gv_left - ${#_gv_ch} - 1)) # stopped at a NUL, which counts
        else
          _gv_left=0
        fi
      done
      if IFS= read -r -d '' -n 1 _gv_ch; then _gv_cut=1; fi
      return 0
    } <"$1" || return 1
  }
else
  # Other sh (dash: its read has neither -n nor -d). wc -c says the size (from fstat: at once
  # even for a sparse 10 GB file); a file within the limit is then read by `read` (bounded by
  # its size), a longer one through dd, which reads 1 KiB and no more. That is one process
  # per version file read, the price of a sh without a bounded read; none for gover's own
  # files (_gv_own: the alias and global files in its data dir) when they are yours: those
  # are read line by line as before, the count stopping at the limit (a NUL, unseen, does
  # not count there; gover never writes one).
  _gv_slurp() {
    _gv_txt= _gv_cut=
    if [ -n "${_gv_own-}" ] && [ -O "$1" ]; then
      _gv_ch=0
      {
        while IFS= read -r _gv_l; do
          _gv_ch=$((_gv_ch + ${#_gv_l} + 1))
          if [ "$_gv_ch" -gt "$_gv_max" ]; then
            _gv_cut=1
            return 0
          fi
          _gv_txt=$_gv_txt$_gv_l$_gv_nl
        done
        _gv_ch=$((_gv_ch + ${#_gv_l}))
        if [ "$_gv_ch" -gt "$_gv_max" ]; then _gv_cut=1; else _gv_txt=$_gv_txt$_gv_l; fi
        return 0
      } <"$1" || return 1
    fi
    _gv_ch=$(command -p wc -c <"$1") || return 1
    case $_gv_ch in '' | *[!0-9\ \	]*) return 1 ;; esac
    if [ "$((_gv_ch))" -le "$_gv_max" ]; then
      {
        while IFS= read -r _gv_l; do _gv_txt=$_gv_txt$_gv_l$_gv_nl; done
        _gv_txt=$_gv_txt$_gv_l
        return 0
      } <"$1" || return 1
    fi
    _gv_txt=$(command -p dd if="$1" bs="$_gv_max" count=1 2>/dev/null && echo .) || return 1
    _gv_txt=${_gv_txt%.} _gv_cut=1
  }
fi

# _gv_lines FILE: call _gv_line for each complete line within the first 1 KiB (_gv_slurp;
# CR, BOM removed); stop when _gv_line returns 0. A line cut by the 1 KiB limit is not seen.
_gv_lines() {
  _gv_slurp "$1" || return 1
  if [ -n "$_gv_cut" ]; then
    case $_gv_txt in *"$_gv_nl"*) _gv_txt=${_gv_txt%"$_gv_nl"*}$_gv_nl ;; *) _gv_txt= ;; esac
  fi
  _gv_txt=${_gv_txt#"$_gv_bom"}
  while [ -n "$_gv_txt" ]; do
    case $_gv_txt in
    *"$_gv_nl"*) _gv_l=${_gv_txt%%"$_gv_nl"*} _gv_txt=${_gv_txt#*"$_gv_nl"} ;;
    *) _gv_l=$_gv_txt _gv_txt= ;;
    esac
    _gv_l=${_gv_l%"$_gv_cr"}
    _gv_line && return 0
  done
  return 1
}

# _gv_reg FILE: 0 if FILE is a readable regular file. 1 if it is absent, or, with a warning
# naming it, if it is a directory, FIFO, device or unreadable (resolve.py: _pin_file).
_gv_reg() {
  [ -e "$1" ] || return 1
  if ! [ -f "$1" ]; then
    _gv_warn "ignoring $1: not a regular file"
    return 1
  fi
  [ -r "$1" ] && return 0
  _gv_warn "ignoring $1: not readable"
  return 1
}

# _gv_clean PATH -> _gv_c: drop "." parts, repeated and trailing slashes, as pathlib does,
# so the walk (and the go.work search above a go.mod) visits the same directories.
_gv_clean() {
  _gv_c=$1
  while :; do
    case $_gv_c in
    *//*) _gv_c=${_gv_c%%//*}/${_gv_c#*//} ;;
    */./*) _gv_c=${_gv_c%%/./*}/${_gv_c#*/./} ;;
    */.) _gv_c=${_gv_c%/.} ;;
    ?*/) _gv_c=${_gv_c%/} ;;
    *) break ;;
    esac
  done
  [ -n "$_gv_c" ] || _gv_c=/
}

# Version file line: skip blanks and comments; take the first word.
_gv_vline() {
  set -f
  # shellcheck disable=SC2086
  set -- $_gv_l
  set +f
  case ${1:-#} in \#*) return 1 ;; esac
  _gv_word=$1
  return 0
}

# .tool-versions line: "golang X" or "go X".
_gv_tline() {
  set -f
  # shellcheck disable=SC2086
  set -- $_gv_l
  set +f
  case ${1:-} in golang | go) ;; *) return 1 ;; esac
  _gv_word=${2:-}
  return 0
}

# go.mod / go.work line: "go X" and "toolchain goX" directives (stop at toolchain).
_gv_mline() {
  set -f
  # shellcheck disable=SC2086
  set -- $_gv_l
  set +f
  case ${1:-} in
  go) [ -z "$_gv_go" ] && _gv_go=${2:-} ;;
  toolchain)
    _gv_tc=${2:-}
    return 0
    ;;
  esac
  return 1
}

# _gv_file KIND FILE: read a pin from FILE into _gv_tok (kinds: v, t). 0 = pinned.
_gv_file() {
  _gv_word=
  if [ "$1" = v ]; then
    _gv_line() { _gv_vline; }
  else
    _gv_line() { _gv_tline; }
  fi
  _gv_lines "$2" || return 1
  if _gv_norm "$_gv_word"; then
    _gv_tok=$_gv_t
    return 0
  fi
  _gv_show "$_gv_word"
  _gv_warn "ignoring $2: $_gv_s is not a Go version (use e.g. 1.22.10, 1.22, latest or system)"
  return 1
}

# _gv_mod FILE: read go/toolchain lines; sets _gv_tok and _gv_min (1 = minimum semantics).
_gv_mod() {
  _gv_go= _gv_tc=
  _gv_line() { _gv_mline; }
  _gv_lines "$1"
  if [ -n "$_gv_tc" ] && [ "$_gv_tc" != default ]; then
    case $_gv_tc in go[0-9]*) _gv_t=${_gv_tc#go} ;; *) _gv_t=- ;; esac
    if _gv_valid "$_gv_t"; then
      _gv_tok=$_gv_t _gv_min=0 _gv_src="from the toolchain line in $1"
      return 0
    fi
    _gv_show "$_gv_tc"
    _gv_warn "ignoring the toolchain line in $1: $_gv_s is not a Go toolchain name"
  fi
  if [ -n "$_gv_go" ]; then
    if _gv_valid "$_gv_go"; then
      _gv_tok=$_gv_go _gv_min=1 _gv_src="from the go line in $1"
      return 0
    fi
    _gv_show "$_gv_go"
    _gv_warn "ignoring the go line in $1: $_gv_s is not a Go version"
  fi
  return 1
}

# _gv_installed NAME: sets _gv_root when versions/NAME is an install: store.is_installed,
# rendered (a real directory, a regular non-empty receipt, a go executable).
_gv_installed() {
  _gv_i=$_gv_versions/$1
  if @IS_INSTALLED@; then
    _gv_root=$_gv_i
    _gv_name=$1
    return 0
  fi
  return 1
}

# _gv_alias NAME: an alias file (prefix -> newest installed name) that points at an install.
# Read like a version file (first line of the first 1 KiB; CR, BOM, NUL removed), silently.
_gv_alias() {
  [ -f "$_gv_aliases/$1" ] && [ -r "$_gv_aliases/$1" ] || return 1
  _gv_line() {
    _gv_a=$_gv_l
    return 0
  }
  _gv_own=1
  _gv_lines "$_gv_aliases/$1" || { _gv_own= && return 1; }
  _gv_own=
  _gv_valid "$_gv_a" && _gv_installed "$_gv_a"
}

# _gv_lookup: _gv_tok (+ _gv_min) -> _gv_root / _gv_name. 0 found, 1 not installed.
_gv_lookup() {
  if [ "${_gv_min:-0}" = 1 ]; then
    # go line: a minimum. Newest installed of the same minor, else newest installed, if >= it.
    _gv_key "$_gv_tok"
    if _gv_alias "$_gk1.$_gk2" && _gv_ge "$_gv_name" "$_gv_tok"; then return 0; fi
    if _gv_installed "$_gv_tok"; then return 0; fi
    if _gv_alias latest && _gv_ge "$_gv_name" "$_gv_tok"; then return 0; fi
    return 1
  fi
  _gv_alias "$_gv_tok" && return 0
  _gv_installed "$_gv_tok"
}

# _gv_system: the first go on PATH that is not a gover shim -> _gv_sys.
_gv_system() {
  _gv_sys=
  _gv_p=$PATH:
  while [ -n "$_gv_p" ]; do
    _gv_d=${_gv_p%%:*}
    _gv_p=${_gv_p#*:}
    [ -n "$_gv_d" ] || _gv_d=.
    # Skip gover shim dirs: ours by inode (even through a symlink), any other by marker.
    if [ -f "$_gv_d/go" ] && [ -x "$_gv_d/go" ] && ! [ -f "$_gv_d/"@SHIMS_MARKER@ ] &&
      ! [ "$_gv_d/go" -ef "$_gv_shimgo" ]; then
      _gv_sys=$_gv_d/go
      return 0
    fi
  done
  return 1
}

# _gv_resolve: the whole choice for $PWD. See the header for results.
_gv_resolve() {
  _gv_root= _gv_name= _gv_sys= _gv_tok= _gv_src= _gv_min=0
  if [ -n "${@ENV_VERSION@:-}" ]; then
    if _gv_norm "$@ENV_VERSION@"; then
      _gv_tok=$_gv_t _gv_src="set by @ENV_VERSION@ (gover shell)"
    else
      _gv_show "$@ENV_VERSION@"
      _gv_warn "ignoring @ENV_VERSION@=$_gv_s: not a Go version"
    fi
  fi
  if [ -z "$_gv_tok" ]; then
    _gv_clean "${PWD:-/}"
    _gv_f=${_gv_c%/} # "" at the root, so the sources read "/.go-version"
    while :; do
      # Most directories hold none of the four: four tests instead of four reads. (The bash and
      # zsh hooks get this line as one [[ ]], a keyword rather than four commands: hooks.py.)
      if [ -e "$_gv_f/.go-version" ] || [ -e "$_gv_f/.tool-versions" ] || [ -e "$_gv_f/go.work" ] || [ -e "$_gv_f/go.mod" ]; then
        if _gv_reg "$_gv_f/.go-version" && _gv_file v "$_gv_f/.go-version"; then
          _gv_src="set by $_gv_f/.go-version"
          break
        fi
        if _gv_reg "$_gv_f/.tool-versions" && _gv_file t "$_gv_f/.tool-versions"; then
          _gv_src="set by $_gv_f/.tool-versions"
          break
        fi
        if [ "${GOWORK:-}" != off ] && _gv_reg "$_gv_f/go.work" && _gv_mod "$_gv_f/go.work"; then
          break
        fi
        if _gv_reg "$_gv_f/go.mod"; then
          if [ "${GOWORK:-}" != off ]; then
            _gv_w=$_gv_f
            while [ -n "$_gv_w" ]; do
              _gv_w=${_gv_w%/*}
              # The nearest go.work governs, pinned or not.
              if [ -f "$_gv_w/go.work" ]; then
                _gv_reg "$_gv_w/go.work" && _gv_mod "$_gv_w/go.work" && break 2
                break
              fi
            done
          fi
          _gv_mod "$_gv_f/go.mod" && break
        fi
      fi
      [ -n "$_gv_f" ] || break
      _gv_f=${_gv_f%/*}
    done
  fi
  if [ -z "$_gv_tok" ] && _gv_reg "$_gv_global"; then
    _gv_own=1
    _gv_file v "$_gv_global" && _gv_src="global default in $_gv_global"
    _gv_own=
  fi
  if [ -z "$_gv_tok" ]; then
    _gv_tok=system _gv_src="no version file found; using the system go"
  fi
  if [ "$_gv_tok" = system ]; then
    _gv_system && return 0
    return 2
  fi
  _gv_lookup
}

# _gv_switch: after _gv_resolve returned 1. When the user's GOTOOLCHAIN lets go switch
# itself (constants.GOTOOLCHAIN_SWITCH_MODES), the newest installed release, else the system
# go, stands in: go then switches as go.mod asks. resolve.py (select) words the reason.
_gv_switch() {
  case ${@ENV_GOTOOLCHAIN@:-} in @SWITCH_MODES@) ;; *) return 1 ;; esac
  _gv_root= _gv_name=
  _gv_alias latest || _gv_system
}

# _gv_hint: what `gover install` should be given for the unmet choice -> _gv_want.
_gv_hint() {
  _gv_want=$_gv_tok
  if [ "$_gv_min" = 1 ]; then
    case $_gv_tok in *[a-z]*) ;; *)
      _gv_key "$_gv_tok"
      _gv_want=$_gk1.$_gk2
      ;;
    esac
  fi
}
