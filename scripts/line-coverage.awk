# Line coverage over the union of Cobertura reports (coverlet's, one per test project): a line counts once, by
# package, file and line number, and is covered when any report saw it run. Prints the summary scripts/test.sh shows:
#   line coverage: 93.9% of 2851 lines (Chattorum.ChatApi 93.5%, Chattorum.StockBot 95.5%)
#
#   awk -f scripts/line-coverage.awk unit/coverage.cobertura.xml integration/coverage.cobertura.xml

function attribute(name,    found) {
    if (match($0, name "=\"[^\"]*\"")) {
        found = substr($0, RSTART + length(name) + 2, RLENGTH - length(name) - 3)
        return found
    }
    return ""
}

/<package / {
    package = attribute("name")
    if (!(package in packages)) {
        packages[package] = 1
        order[++count] = package
    }
}

/<class / { file = attribute("filename") }

/<line / {
    key = package SUBSEP file SUBSEP attribute("number")
    if (!(key in valid)) {
        valid[key] = 1
        valid_in[package]++
        all_valid++
    }
    if (attribute("hits") + 0 > 0 && !(key in covered)) {
        covered[key] = 1
        covered_in[package]++
        all_covered++
    }
}

function percent(part, whole) { return whole > 0 ? 100 * part / whole : 0 }

END {
    line = sprintf("line coverage: %.1f%% of %d lines (", percent(all_covered, all_valid), all_valid)
    for (i = 1; i <= count; i++) {
        line = line sprintf("%s%s %.1f%%", (i > 1 ? ", " : ""), order[i], percent(covered_in[order[i]], valid_in[order[i]]))
    }
    print line ")"
}
