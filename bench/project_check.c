/* project_check.c — runs one policy set on one input twice, loaded in full
 * (veto_doc_load_file) and projected (veto_doc_load_file_projected), and
 * compares the JSON decision records byte for byte. tests/run-projection.sh
 * builds it against libveto.a.
 *
 *   project_check [--paths] [--kind KIND] INPUT POLICY_PATH...
 *
 * Exit 0: identical (or both loads failed alike); 1: they differ (both
 * records are printed); 2: usage or compile error. --paths prints the
 * analysed path tree first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "program.h"
#include "veto.h"

int main(int argc, char **argv)
{
    int show = 0, ai = 1;
    const char *kind = NULL;
    for (; ai < argc && argv[ai][0] == '-' && argv[ai][1] == '-'; ai++) {
        if (strcmp(argv[ai], "--paths") == 0)
            show = 1;
        else if (strcmp(argv[ai], "--kind") == 0 && ai + 1 < argc)
            kind = argv[++ai];
        else
            break;
    }
    if (argc - ai < 2) {
        fprintf(stderr, "usage: project_check [--paths] [--kind KIND] INPUT POLICY_PATH...\n");
        return 2;
    }
    const char *input = argv[ai++];
    veto_engine *e = veto_engine_new();
    veto_diags *d = veto_diags_new();
    veto_compiler *c = veto_compiler_new(e);
    for (; ai < argc; ai++)
        veto_compiler_add_path(c, argv[ai], d);
    veto_program *p = veto_compiler_finish(c, d);
    if (!p) {
        char *t = veto_diags_render(d, 0);
        fprintf(stderr, "%s", t ? t : "compile failed\n");
        free(t);
        veto_diags_free(d);
        veto_engine_free(e);
        return 2;
    }
    if (show) {
        PathTree *t = paths_analyze(p);
        char *s = t ? paths_describe(t) : NULL;
        printf("%s", s ? s : "(analysis failed)\n");
        free(s);
        paths_free(t);
    }
    veto_diags *d1 = veto_diags_new(), *d2 = veto_diags_new();
    veto_doc *full = veto_doc_load_file(e, input, NULL, d1);
    veto_doc *proj = veto_doc_load_file_projected(e, p, input, NULL, d2);
    int rc = 0;
    if (!full || !proj) {
        char *t1 = veto_diags_render(d1, 0), *t2 = veto_diags_render(d2, 0);
        if ((full != NULL) != (proj != NULL) || strcmp(t1 ? t1 : "", t2 ? t2 : "") != 0) {
            printf("load differs:\nfull: %s\nprojected: %s\n", t1 ? t1 : "", t2 ? t2 : "");
            rc = 1;
        }
        free(t1);
        free(t2);
    } else {
        veto_eval_options opt = {0};
        opt.kind = kind;
        veto_decision *a = veto_eval(p, full, &opt), *b = veto_eval(p, proj, &opt);
        char *ja = a ? veto_decision_json(a, 1) : NULL, *jb = b ? veto_decision_json(b, 1) : NULL;
        if (!ja || !jb || strcmp(ja, jb) != 0) {
            printf("decisions differ:\n--- full\n%s\n--- projected\n%s\n", ja ? ja : "(none)",
                   jb ? jb : "(none)");
            rc = 1;
        }
        free(ja);
        free(jb);
        veto_decision_free(a);
        veto_decision_free(b);
    }
    veto_doc_free(full);
    veto_doc_free(proj);
    veto_diags_free(d1);
    veto_diags_free(d2);
    veto_diags_free(d);
    veto_program_free(p);
    veto_engine_free(e);
    return rc;
}
