#compdef pyvirsh
# zsh completion for pyvirsh.  Install: pyvirsh completion zsh > "${fpath[1]}/_pyvirsh"
# (any directory on $fpath; then `compinit`).  Candidates come from `pyvirsh complete -- WORDS...`
# (virsh's hidden command), so the script itself knows no command or option.

_pyvirsh() {
    local -a global found
    local i=2 first=0
    while (( i < CURRENT )); do
        case ${words[i]} in
            -r|--readonly) global+=(-r) ;;
            -c|--connect) (( i++ )); global+=(-c "${words[i]}") ;;
            --connect=*) global+=(-c "${words[i]#--connect=}") ;;
            -d|-l|-e|-k|-K|--debug|--log|--escape|--keepalive-interval|--keepalive-count) (( i++ )) ;;
            -*) ;;
            *) first=$i; break ;;
        esac
        (( i++ ))
    done
    if (( first == 0 )); then
        [[ ${words[CURRENT]} == -* ]] && return 1
        first=$CURRENT
    fi
    found=("${(@f)$(_call_program completions "${words[1]}" "${global[@]}" complete -- "${(@)words[first,CURRENT]}" 2>/dev/null)}")
    found=(${found:#})
    (( ${#found} )) || return 1
    compadd -Q -- "${found[@]}"
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _pyvirsh "$@"
else
    compdef _pyvirsh pyvirsh
fi
