# bash completion for smtpsend(1): its flags and their values, and after
# -a the accounts of the configuration smtpsend would read (-C FILE, else
# the user's, else /etc/sendmail.ini). Needs nothing from bash-completion.

# The file smtpsend would read, as conf_default_path() picks it.
_smtpsend_config()
{
	local i w f=
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--) break ;;
		-C) f=${COMP_WORDS[i + 1]} ;;
		-C?*) f=${w#-C} ;;
		esac
	done
	if [[ -n $f ]]; then
		[[ $f == "~/"* ]] && f=$HOME/${f#"~/"}
		printf '%s\n' "$f"
		return
	fi
	if [[ $XDG_CONFIG_HOME == /* ]]; then
		f=$XDG_CONFIG_HOME/smtpsend/sendmail.ini
	elif [[ $HOME == /* ]]; then
		f=$HOME/.config/smtpsend/sendmail.ini
	fi
	[[ -n $f && -e $f ]] || f=/etc/sendmail.ini
	printf '%s\n' "$f"
}

# Section names but [defaults]; a file we may not read gives none.
_smtpsend_accounts()
{
	awk '/^[ \t]*\[[^]]*\][ \t]*([;#].*)?$/ {
		sub(/^[ \t]*\[[ \t]*/, ""); sub(/[ \t]*\].*$/, "")
		if ($0 != "defaults" && $0 != "") print
	}' "$(_smtpsend_config)" 2>/dev/null
}

_smtpsend()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= i
	local flags='-a -B -b -bi -bm -bp -bs -C -F -f -i -L -N -oi -odq -q -qI
		-R -r -t -V -v -X --check-config --delete --dry-run --serverinfo
		--help --version --'

	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	# after -- or the first recipient, only recipients
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--) return ;;
		-[aBbCFfLNRrVX] | -qI | --delete) ((i++)) ;;
		-*) ;;
		*) return ;;
		esac
	done
	case $prev in
	-a | --serverinfo)
		local IFS=$'\n'	# a name may hold a space
		COMPREPLY=($(compgen -W "$(_smtpsend_accounts)" -- "$cur"))
		return ;;
	-B)
		COMPREPLY=($(compgen -W '7BIT 8BITMIME' -- "$cur"))
		return ;;
	-b)
		COMPREPLY=($(compgen -W 'm p s i' -- "$cur"))
		return ;;
	-C | -X | --check-config)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-N)
		# a comma-separated list: complete its last item
		local head=
		[[ $cur == *,* ]] && head=${cur%,*},
		COMPREPLY=($(compgen -P "$head" \
		    -W 'never success failure delay' -- "${cur##*,}"))
		return ;;
	-R)
		COMPREPLY=($(compgen -W 'full hdrs' -- "$cur"))
		return ;;
	-F | -f | -L | -r | -V | -qI | --delete)
		return ;;
	esac
	case $cur in
	-a?*)
		local IFS=$'\n'
		COMPREPLY=($(compgen -P -a -W "$(_smtpsend_accounts)" -- \
		    "${cur#-a}")) ;;
	-*)
		COMPREPLY=($(compgen -W "$flags" -- "$cur")) ;;
	esac
}

complete -F _smtpsend smtpsend
