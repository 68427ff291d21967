/// The completion scripts `fieldnotes completion bash|zsh|fish` prints.
///
/// Each script is a fixed driver plus tables generated from `CompletionModel`
/// (commands, options, what each value may be). The driver walks the words
/// before the cursor as the parser does: `--store PATH` anywhere, a command
/// of one word or two (`hub serve`), options that take a value, then
/// positionals. Values that live in the store (note ids, theme and area
/// names) come from `fieldnotes [--store PATH] __complete notes|themes|areas`,
/// with the store the line names, and nothing is printed if that fails.
enum CompletionScripts {
    static func script(for shell: CompletionShell) -> String {
        switch shell {
        case .bash: return bash
        case .zsh: return zsh
        case .fish: return fish
        }
    }

    // MARK: Tables, in the `case` syntax bash and zsh share

    /// A word in single quotes, safe in bash, zsh and fish.
    static func quoted(_ text: String) -> String {
        "'" + text.replacing("'", with: #"'\''"#) + "'"
    }

    /// A word in single quotes for fish, which escapes a quote with a backslash.
    static func fishQuoted(_ text: String) -> String {
        "'" + text.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'"
    }

    /// How a value is named in the tables: `files`, `directories`,
    /// `choices A B`, `notes`, `themes`, `areas`; nil for free text.
    static func kindWords(_ value: CompletionValue?) -> [String]? {
        switch value {
        case nil, .text?: return nil
        case .files?: return ["files"]
        case .directories?: return ["directories"]
        case .choices(let choices)?: return ["choices"] + choices
        case .dynamic(let values)?: return [values.rawValue]
        }
    }

    /// `case` arms keyed by `"COMMAND KEY"`: KEY is `--option` or `#N` for the Nth positional.
    static func kindArms(_ entries: [CompletionEntry]) -> [(key: String, words: [String])] {
        var arms: [(String, [String])] = []
        for entry in entries {
            for (option, value) in entry.options {
                if let words = kindWords(value) { arms.append(("\(entry.name) --\(option.name)", words)) }
            }
            for (index, value) in entry.arguments.enumerated() {
                if let words = kindWords(value) { arms.append(("\(entry.name) #\(index)", words)) }
            }
        }
        return arms
    }

    /// The helpers both bash and zsh scripts use: which words are commands,
    /// a group's subcommands, a command's options, which take a value, and
    /// what each value may be.
    static func posixTables(prefix: String) -> String {
        let entries = CompletionModel.entries
        var lines: [String] = []
        lines.append("# The commands' first words.")
        lines.append("\(prefix)_first_words=\(quoted(CompletionModel.firstWords.joined(separator: " ")))")
        lines.append("")
        lines.append("# Succeeds when $1 names a whole command.")
        lines.append("\(prefix)_is_command() {")
        lines.append("    case \"$1\" in")
        lines.append("        " + entries.map { quoted($0.name) }.joined(separator: "|") + ") return 0 ;;")
        lines.append("    esac")
        lines.append("    return 1")
        lines.append("}")
        lines.append("")
        lines.append("# The second words of the commands whose first word is $1.")
        lines.append("\(prefix)_subcommands() {")
        lines.append("    case \"$1\" in")
        for first in CompletionModel.firstWords {
            let seconds = entries.filter { $0.words.count == 2 && $0.words[0] == first }.map { $0.words[1] }
            if !seconds.isEmpty { lines.append("        \(quoted(first))) echo \(quoted(seconds.joined(separator: " "))) ;;") }
        }
        lines.append("    esac")
        lines.append("}")
        lines.append("")
        lines.append("# The options of command $1.")
        lines.append("\(prefix)_options() {")
        lines.append("    case \"$1\" in")
        for entry in entries {
            let options = entry.options.map { "--" + $0.option.name }.joined(separator: " ")
            lines.append("        \(quoted(entry.name))) echo \(quoted(options)) ;;")
        }
        lines.append("    esac")
        lines.append("}")
        lines.append("")
        lines.append("# Succeeds when option $2 of command $1 takes a value.")
        lines.append("\(prefix)_takes_value() {")
        lines.append("    case \"$1 $2\" in")
        let valued = entries.flatMap { entry in entry.options.filter { $0.option.value != nil }.map { quoted("\(entry.name) --\($0.option.name)") } }
        lines.append("        " + valued.joined(separator: "|") + ") return 0 ;;")
        lines.append("    esac")
        lines.append("    return 1")
        lines.append("}")
        lines.append("")
        lines.append("# What the value of option $2 (--NAME), or of positional $2 (#N), of command $1 may be:")
        lines.append("# files, directories, choices WORD..., notes, themes or areas; nothing for free text.")
        lines.append("\(prefix)_kind() {")
        lines.append("    case \"$1 $2\" in")
        for (key, words) in kindArms(entries) {
            lines.append("        \(quoted(key))) echo \(quoted(words.joined(separator: " "))) ;;")
        }
        lines.append("    esac")
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    // MARK: bash

    static var bash: String {
        #"""
        # bash completion for fieldnotes
        # Generated by 'fieldnotes completion bash' from the declarations 'fieldnotes --help' prints.
        # Load it with: source <(fieldnotes completion bash)

        \#(posixTables(prefix: "_fieldnotes"))

        # Values from the store: notes (id, then a tab and its title), themes or areas.
        # $1: the program, $2: the store named on the line (or empty), $3: notes|themes|areas.
        _fieldnotes_store_values() {
            if [[ -n $2 ]]; then
                "$1" --store "$2" __complete "$3" 2>/dev/null
            else
                "$1" __complete "$3" 2>/dev/null
            fi
        }

        # A word as typed, without its quotes and backslashes, and with ~ expanded.
        _fieldnotes_plain() {
            local word=$1
            word=${word#[\"\']}
            word=${word%[\"\']}
            word=${word//\\/}
            [[ $word == "~" || $word == "~/"* ]] && word=$HOME${word#\~}
            printf '%s' "$word"
        }

        _fieldnotes() {
            local cur=${COMP_WORDS[COMP_CWORD]} prev=
            (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
            # bash splits --theme=Soc into --theme, =, Soc.
            if [[ $cur == "=" ]]; then
                cur=
            elif [[ $prev == "=" ]] && (( COMP_CWORD >= 2 )); then
                prev=${COMP_WORDS[COMP_CWORD-2]}
            fi
            local prog store= command= group= positionals=0 ended= i=1 word
            prog=$(_fieldnotes_plain "${COMP_WORDS[0]}")
            while (( i < COMP_CWORD )); do
                word=${COMP_WORDS[i]}
                if [[ -z $ended && $word == --store ]]; then
                    if [[ ${COMP_WORDS[i+1]} == "=" ]]; then
                        store=${COMP_WORDS[i+2]}; (( i += 3 ))
                    else
                        store=${COMP_WORDS[i+1]}; (( i += 2 ))
                    fi
                    continue
                fi
                if [[ -z $ended && $word == --store=* ]]; then
                    store=${word#--store=}; (( i += 1 )); continue
                fi
                if [[ -z $command ]]; then
                    if [[ $word != -* ]]; then
                        if [[ -n $group ]]; then
                            command="$group $word"
                        elif [[ -n $(_fieldnotes_subcommands "$word") ]]; then
                            group=$word
                        else
                            command=$word
                        fi
                    fi
                elif [[ -z $ended && $word == -- ]]; then
                    ended=1
                elif [[ -z $ended && $word == --* ]]; then
                    if [[ $word != *=* ]] && _fieldnotes_takes_value "$command" "$word"; then
                        if [[ ${COMP_WORDS[i+1]} == "=" ]]; then (( i += 1 )); fi
                        (( i += 1 ))
                    fi
                else
                    (( positionals += 1 ))
                fi
                (( i += 1 ))
            done
            store=$(_fieldnotes_plain "$store")
            COMPREPLY=()

            if [[ $prev == --store ]]; then
                _fieldnotes_offer "$prog" "$store" "$cur" files
                return
            fi
            if [[ -z $command ]]; then
                if [[ -n $group ]]; then
                    COMPREPLY=( $(compgen -W "$(_fieldnotes_subcommands "$group")" -- "$cur") )
                elif [[ $cur == -* ]]; then
                    COMPREPLY=( $(compgen -W "--store --quiet --help --version" -- "$cur") )
                else
                    COMPREPLY=( $(compgen -W "$_fieldnotes_first_words help" -- "$cur") )
                fi
                return
            fi
            if [[ -z $ended && $prev == --* ]] && _fieldnotes_takes_value "$command" "$prev"; then
                _fieldnotes_offer "$prog" "$store" "$cur" $(_fieldnotes_kind "$command" "$prev")
                return
            fi
            if [[ -z $ended && $cur == -* ]]; then
                COMPREPLY=( $(compgen -W "$(_fieldnotes_options "$command") --store --quiet --help" -- "$cur") )
                return
            fi
            _fieldnotes_offer "$prog" "$store" "$cur" $(_fieldnotes_kind "$command" "#$positionals")
        }

        # Fills COMPREPLY with the values of a kind that start with the word typed.
        # $1: the program, $2: the store, $3: the word typed, $4...: the kind.
        _fieldnotes_offer() {
            local prog=$1 store=$2 cur=$3 kind=$4 line plain
            shift 4 2>/dev/null || return 0
            plain=$(_fieldnotes_plain "$cur")
            local IFS=$'\n'
            case $kind in
                files)
                    compopt -o filenames 2>/dev/null
                    COMPREPLY=( $(compgen -f -- "$plain") ) ;;
                directories)
                    compopt -o filenames 2>/dev/null
                    COMPREPLY=( $(compgen -d -- "$plain") ) ;;
                choices)
                    local choice
                    for choice in "$@"; do
                        [[ $choice == "$plain"* ]] && COMPREPLY+=( "$choice" )
                    done ;;
                notes|themes|areas)
                    while IFS= read -r line; do
                        line=${line%%$'\t'*}
                        [[ -n $line && ${line,,} == "${plain,,}"* ]] && COMPREPLY+=( "$(printf '%q' "$line")" )
                    done < <(_fieldnotes_store_values "$prog" "$store" "$kind") ;;
            esac
        }

        complete -F _fieldnotes fieldnotes

        """#
    }

    // MARK: zsh

    /// `name:description` lines for `_describe`, colons in the name escaped.
    static func describeArms(_ pairs: [(String, String)]) -> String {
        pairs.map { quoted($0.0.replacing(":", with: "\\:") + ":" + $0.1.replacing("\n", with: " ")) }
            .joined(separator: " ")
    }

    static var zsh: String {
        let entries = CompletionModel.entries
        var described: [String] = []
        described.append("# Commands (or a group's subcommands, for $1) as NAME:DESCRIPTION.")
        described.append("_fieldnotes_described_commands() {")
        described.append("    case \"$1\" in")
        let firstPairs = CompletionModel.firstWords.map { first -> (String, String) in
            let group = entries.filter { $0.words[0] == first }
            return (first, group.count == 1 && group[0].words.count == 1 ? group[0].abstract : group.map(\.name).joined(separator: ", "))
        }
        described.append("        '') reply=( \(describeArms(firstPairs + [("help", "show help for a command")])) ) ;;")
        for first in CompletionModel.firstWords {
            let seconds = entries.filter { $0.words.count == 2 && $0.words[0] == first }
            if !seconds.isEmpty { described.append("        \(quoted(first))) reply=( \(describeArms(seconds.map { ($0.words[1], $0.abstract) })) ) ;;") }
        }
        described.append("    esac")
        described.append("}")
        described.append("")
        described.append("# Command $1's options as NAME:DESCRIPTION.")
        described.append("_fieldnotes_described_options() {")
        described.append("    case \"$1\" in")
        for entry in entries {
            described.append("        \(quoted(entry.name))) reply=( \(describeArms(entry.options.map { ("--" + $0.option.name, $0.option.help) })) ) ;;")
        }
        described.append("    esac")
        described.append("}")
        return #"""
        #compdef fieldnotes
        # zsh completion for fieldnotes
        # Generated by 'fieldnotes completion zsh' from the declarations 'fieldnotes --help' prints.
        # Install it as _fieldnotes in a directory on $fpath, or load it with: source <(fieldnotes completion zsh)

        \#(posixTables(prefix: "_fieldnotes"))

        \#(described.joined(separator: "\n"))

        _fieldnotes() {
            local cur=${words[CURRENT]} prev=${words[CURRENT-1]}
            local prog=${words[1]/#\~/$HOME} store= command= group= ended= word
            local -i positionals=0 i=2
            local -a reply
            while (( i < CURRENT )); do
                word=${words[i]}
                if [[ -z $ended && $word == --store ]]; then
                    store=${words[i+1]}; (( i += 2 )); continue
                fi
                if [[ -z $ended && $word == --store=* ]]; then
                    store=${word#--store=}; (( i += 1 )); continue
                fi
                if [[ -z $command ]]; then
                    if [[ $word != -* ]]; then
                        if [[ -n $group ]]; then
                            command="$group $word"
                        elif [[ -n $(_fieldnotes_subcommands "$word") ]]; then
                            group=$word
                        else
                            command=$word
                        fi
                    fi
                elif [[ -z $ended && $word == -- ]]; then
                    ended=1
                elif [[ -z $ended && $word == --* ]]; then
                    if [[ $word != *=* ]] && _fieldnotes_takes_value "$command" "$word"; then
                        (( i += 1 ))
                    fi
                else
                    (( positionals += 1 ))
                fi
                (( i += 1 ))
            done
            store=${(Q)store}
            store=${store/#\~/$HOME}

            if [[ $prev == --store ]]; then
                _files
                return
            fi
            if [[ -z $command ]]; then
                if [[ -n $group ]]; then
                    _fieldnotes_described_commands "$group"
                    _describe -t commands 'fieldnotes command' reply
                elif [[ $cur == -* ]]; then
                    compadd -- --store --quiet --help --version
                else
                    _fieldnotes_described_commands ''
                    _describe -t commands 'fieldnotes command' reply
                fi
                return
            fi
            local option=
            if [[ -z $ended && $cur == --*=* ]]; then
                option=${cur%%=*}
                compset -P '*='
            elif [[ -z $ended && $prev == --* ]] && _fieldnotes_takes_value "$command" "$prev"; then
                option=$prev
            fi
            if [[ -n $option ]]; then
                _fieldnotes_offer "$prog" "$store" ${=$(_fieldnotes_kind "$command" "$option")}
                return
            fi
            if [[ -z $ended && $cur == -* ]]; then
                _fieldnotes_described_options "$command"
                reply+=( '--store:the store' '--quiet:only errors, warnings and the data asked for' '--help:show help' )
                _describe -t options 'option' reply
                return
            fi
            _fieldnotes_offer "$prog" "$store" ${=$(_fieldnotes_kind "$command" "#$positionals")}
        }

        # Offers the values of a kind. $1: the program, $2: the store, $3...: the kind.
        _fieldnotes_offer() {
            local prog=$1 store=$2 kind=$3 line
            local -a values described
            shift 3 2>/dev/null || return 0
            case $kind in
                files) _files ;;
                directories) _files -/ ;;
                choices) compadd -- "$@" ;;
                notes|themes|areas)
                    if [[ -n $store ]]; then
                        values=( ${(f)"$("$prog" --store "$store" __complete "$kind" 2>/dev/null)"} )
                    else
                        values=( ${(f)"$("$prog" __complete "$kind" 2>/dev/null)"} )
                    fi
                    if [[ $kind == notes ]]; then
                        for line in $values; do described+=( "${line%%$'\t'*}:${line#*$'\t'}" ); done
                        _describe -t notes 'note' described
                    else
                        compadd -M 'm:{a-zA-Z}={A-Za-z}' -- $values
                    fi ;;
            esac
        }

        if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
            _fieldnotes "$@"
        else
            compdef _fieldnotes fieldnotes
        fi

        """#
    }

    // MARK: fish

    static var fish: String {
        let entries = CompletionModel.entries
        var lines: [String] = []
        func arm(_ pattern: String, _ body: String) { lines.append("        case \(fishQuoted(pattern))\n            \(body)") }
        lines.append("# The commands' first words, each with a description.")
        lines.append("function __fieldnotes_first_words")
        for first in CompletionModel.firstWords {
            let group = entries.filter { $0.words[0] == first }
            let text = group.count == 1 && group[0].words.count == 1 ? group[0].abstract : group.map(\.name).joined(separator: ", ")
            lines.append("    printf '%s\\t%s\\n' \(fishQuoted(first)) \(fishQuoted(text))")
        }
        lines.append("    printf '%s\\t%s\\n' help 'show help for a command'")
        lines.append("end")
        lines.append("")
        lines.append("# The second words of the commands whose first word is $argv[1], each with a description.")
        lines.append("function __fieldnotes_subcommands")
        lines.append("    switch $argv[1]")
        for first in CompletionModel.firstWords {
            let seconds = entries.filter { $0.words.count == 2 && $0.words[0] == first }
            if seconds.isEmpty { continue }
            arm(first, seconds.map { "printf '%s\\t%s\\n' \(fishQuoted($0.words[1])) \(fishQuoted($0.abstract))" }.joined(separator: "\n            "))
        }
        lines.append("    end")
        lines.append("end")
        lines.append("")
        lines.append("# Command $argv[1]'s options, each with a description.")
        lines.append("function __fieldnotes_options")
        lines.append("    switch $argv[1]")
        for entry in entries where !entry.options.isEmpty {
            arm(entry.name, entry.options.map { "printf '%s\\t%s\\n' \(fishQuoted("--" + $0.option.name)) \(fishQuoted($0.option.help))" }
                .joined(separator: "\n            "))
        }
        lines.append("    end")
        lines.append("end")
        lines.append("")
        lines.append("# Succeeds when option $argv[2] of command $argv[1] takes a value.")
        lines.append("function __fieldnotes_takes_value")
        lines.append("    switch \"$argv[1] $argv[2]\"")
        let valued = entries.flatMap { entry in entry.options.filter { $0.option.value != nil }.map { fishQuoted("\(entry.name) --\($0.option.name)") } }
        lines.append("        case " + valued.joined(separator: " "))
        lines.append("            return 0")
        lines.append("    end")
        lines.append("    return 1")
        lines.append("end")
        lines.append("")
        lines.append("# What the value of option $argv[2] (--NAME), or of positional $argv[2] (#N), of command $argv[1] may be.")
        lines.append("function __fieldnotes_kind")
        lines.append("    switch \"$argv[1] $argv[2]\"")
        for (key, words) in kindArms(entries) { arm(key, "echo " + words.map(fishQuoted).joined(separator: " ")) }
        lines.append("    end")
        lines.append("end")
        return #"""
        # fish completion for fieldnotes
        # Generated by 'fieldnotes completion fish' from the declarations 'fieldnotes --help' prints.
        # Install it as fieldnotes.fish in ~/.config/fish/completions, or load it with: fieldnotes completion fish | source

        \#(lines.joined(separator: "\n"))

        # Offers the values of a kind, each after $argv[3] (an option's '--NAME=').
        # $argv: the program, the store, the prefix, then the kind.
        function __fieldnotes_offer
            set -l prog $argv[1]
            set -l store $argv[2]
            set -l prefix $argv[3]
            set -l kind $argv[4]
            set -l cur (commandline -ct)
            set cur (string replace -- $prefix '' $cur)
            switch "$kind"
                case files
                    __fish_complete_path "$cur"
                case directories
                    __fish_complete_directories "$cur"
                case choices
                    printf "$prefix%s\n" $argv[5..-1]
                case notes themes areas
                    if test -n "$store"
                        $prog --store $store __complete $kind 2>/dev/null | string replace -r -- '^' "$prefix"
                    else
                        $prog __complete $kind 2>/dev/null | string replace -r -- '^' "$prefix"
                    end
            end
        end

        function __fieldnotes_complete
            set -l words (commandline -opc)
            set -l cur (commandline -ct)
            set -l prog $words[1]
            set -l store ''
            set -l command ''
            set -l group ''
            set -l ended ''
            set -l positionals 0
            set -l i 2
            set -l count (count $words)
            while test $i -le $count
                set -l word $words[$i]
                if test -z "$ended"; and test "$word" = --store
                    set i (math $i + 1)
                    set store $words[$i]
                else if test -z "$ended"; and string match -q -- '--store=*' $word
                    set store (string replace -- '--store=' '' $word)
                else if test -z "$command"
                    if not string match -q -- '-*' $word
                        if test -n "$group"
                            set command "$group $word"
                        else if test -n "$(__fieldnotes_subcommands $word)"
                            set group $word
                        else
                            set command $word
                        end
                    end
                else if test -z "$ended"; and test "$word" = --
                    set ended 1
                else if test -z "$ended"; and string match -q -- '--*' $word
                    if not string match -q -- '*=*' $word; and __fieldnotes_takes_value $command $word
                        set i (math $i + 1)
                    end
                else
                    set positionals (math $positionals + 1)
                end
                set i (math $i + 1)
            end
            set -l prev ''
            if test $count -ge 1
                set prev $words[$count]
            end

            if test "$prev" = --store
                __fish_complete_path "$cur"
                return
            end
            if test -z "$command"
                if test -n "$group"
                    __fieldnotes_subcommands $group
                else if string match -q -- '-*' $cur
                    printf '%s\n' --store --quiet --help --version
                else
                    __fieldnotes_first_words
                end
                return
            end
            if test -z "$ended"; and string match -q -- '--*=*' $cur
                set -l option (string split -m1 = -- $cur)[1]
                __fieldnotes_offer $prog "$store" "$option=" (__fieldnotes_kind $command $option | string split ' ')
                return
            end
            if test -z "$ended"; and string match -q -- '--*' $prev; and __fieldnotes_takes_value $command $prev
                __fieldnotes_offer $prog "$store" '' (__fieldnotes_kind $command $prev | string split ' ')
                return
            end
            if test -z "$ended"; and string match -q -- '-*' $cur
                __fieldnotes_options $command
                printf '%s\t%s\n' --store 'the store' --quiet 'only errors, warnings and the data asked for' --help 'show help'
                return
            end
            __fieldnotes_offer $prog "$store" '' (__fieldnotes_kind $command "#$positionals" | string split ' ')
        end

        complete -c fieldnotes -f -a '(__fieldnotes_complete)'

        """#
    }
}
