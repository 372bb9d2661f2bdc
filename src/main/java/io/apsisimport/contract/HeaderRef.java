package io.apsisimport.contract;

/** Where the header line (without BOM, with its line terminator) sits in the source object. */
public record HeaderRef(long offset, int length) {}
