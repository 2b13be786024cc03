# bash completion for pyvirsh.  Install: pyvirsh completion bash > ~/.local/share/bash-completion/completions/pyvirsh
# Every candidate comes from `pyvirsh complete -- WORDS...` (virsh's hidden command), so this
# script knows no command or option itself: it only passes on -c/--connect and -r.

_pyvirsh() {
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null; then
        # keep URIs (test:///default) and --opt=value in one word
        _get_comp_words_by_ref -n "\"'><=;|&(:" -w words -i cword
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    cur=${words[cword]}

    local -a global=()
    local i=1 first=0
    while ((i < cword)); do
        case ${words[i]} in
            -r | --readonly) global+=(-r) ;;
            -c | --connect) ((i++)); global+=(-c "${words[i]}") ;;
            --connect=*) global+=(-c "${words[i]#--connect=}") ;;
            -d | -l | -e | -k | -K | --debug | --log | --escape | --keepalive-interval | --keepalive-count) ((i++)) ;;
            -*) ;;
            *) first=$i; break ;;
        esac
        ((i++))
    done
    if ((first == 0)); then
        first=$cword
        case $cur in -*) return 0 ;; esac
    fi

    local IFS=$'\n'
    local -a found
    found=($("${words[0]}" "${global[@]}" complete -- "${words[@]:first:cword-first+1}" 2>/dev/null))
    COMPREPLY=($(compgen -W "${found[*]}" -- "$cur"))
    if declare -F __ltrim_colon_completions >/dev/null; then
        __ltrim_colon_completions "$cur"
    fi
    return 0
}
complete -o default -F _pyvirsh pyvirsh
