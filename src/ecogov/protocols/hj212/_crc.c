/* The HJ 212 CRC-16 (HJ 212-2017 Appendix A) in C: the same table-driven algorithm as
 * crc.py's pure-Python crc16, which it replaces on the ingest hot path when it is built.
 *
 * reg = 0xFFFF; for each byte: reg = T[(reg >> 8) ^ byte], where T[i] is i run through the
 * eight shift/XOR-0xA001 steps of Appendix A. tests/protocols/hj212/test_crc.py checks it
 * against the bitwise algorithm and against the Python version. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static unsigned short table[256];

static PyObject *
crc16(PyObject *module, PyObject *data)
{
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    const unsigned char *bytes = (const unsigned char *)view.buf;
    unsigned int reg = 0xFFFF;
    for (Py_ssize_t i = 0; i < view.len; i++) {
        reg = table[(reg >> 8) ^ bytes[i]];
    }
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(reg);
}

static PyMethodDef methods[] = {
    {"crc16", crc16, METH_O, "HJ 212 CRC-16 of a bytes-like data segment (HJ 212-2017 Appendix A)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_crc", "HJ 212 CRC-16 in C (see crc.py).", -1, methods,
};

PyMODINIT_FUNC
PyInit__crc(void)
{
    for (unsigned int index = 0; index < 256; index++) {
        unsigned int reg = index;
        for (int step = 0; step < 8; step++) {
            reg = (reg & 1) ? (reg >> 1) ^ 0xA001 : reg >> 1;
        }
        table[index] = (unsigned short)reg;
    }
    return PyModule_Create(&module);
}
