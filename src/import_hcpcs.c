/* import_hcpcs — (in progress) */
#include "import_priv.h"

int
imp_parse_hcpcs(struct imp *im, struct imp_file *f)
{
	(void)f;
	return imp_refuse(im, "importer not written yet");
}
