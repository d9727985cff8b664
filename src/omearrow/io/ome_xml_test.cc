#include "omearrow/io/ome_xml.h"

#include <gtest/gtest.h>

#include <string>

#include "omearrow/testing/gtest_util.h"

namespace omearrow {
namespace {

// A <Pixels> document with the given attributes and inner elements.
std::string Document(const std::string& pixels_attributes, const std::string& inner,
                     const std::string& root_attributes = "") {
  return R"(<?xml version="1.0" encoding="UTF-8"?>)"
         R"(<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" )" +
         root_attributes + R"(><Image ID="Image:0" Name="cells"><Pixels ID="Pixels:0" )" +
         pixels_attributes + ">" + inner + "</Pixels></Image></OME>";
}

const char kSizes[] =
    R"(DimensionOrder="XYZCT" Type="uint16" SizeX="8" SizeY="6" SizeZ="2" SizeC="3" SizeT="2")";

TEST(OmeXmlTest, ParsesSizesUnitsAndChannels) {
  const std::string xml = Document(
      std::string(kSizes) +
          R"( PhysicalSizeX="0.65" PhysicalSizeXUnit="nm" PhysicalSizeY="0.5" )"
          R"(PhysicalSizeZ="2" PhysicalSizeZUnit="mm" BigEndian="true")",
      R"(<Channel ID="Channel:0:0" Name="DNA" EmissionWavelength="461" )"
      R"(ExcitationWavelength="0.405" ExcitationWavelengthUnit="µm" Color="-16776961" )"
      R"(IlluminationType="Epifluorescence" SamplesPerPixel="1"/>)"
      R"(<Channel ID="Channel:0:1"/><Channel ID="Channel:0:2" Color="65535"/>)");
  ASSERT_OK_AND_ASSIGN(OmeXml doc, ParseOmeXml(xml));
  ASSERT_EQ(doc.images.size(), 1u);
  const OmeXmlImage& image = doc.images[0];
  EXPECT_EQ(image.id, "Image:0");
  EXPECT_EQ(image.name, "cells");
  EXPECT_EQ(image.dimension_order, "XYZCT");
  EXPECT_EQ(image.type, "uint16");
  EXPECT_EQ(image.size_x, 8);
  EXPECT_EQ(image.size_y, 6);
  EXPECT_EQ(image.size_z, 2);
  EXPECT_EQ(image.size_c, 3);
  EXPECT_EQ(image.size_t, 2);
  EXPECT_EQ(image.physical_size_x, 0.65);
  EXPECT_EQ(image.physical_size_x_unit, "nm");
  EXPECT_EQ(image.physical_size_y, 0.5);
  EXPECT_EQ(image.physical_size_y_unit, "µm");  // the schema's default
  EXPECT_EQ(image.physical_size_z, 2.0);
  EXPECT_EQ(image.physical_size_z_unit, "mm");
  EXPECT_EQ(image.big_endian, true);
  ASSERT_EQ(image.channels.size(), 3u);
  const OmeXmlChannel& dna = image.channels[0];
  EXPECT_EQ(dna.id, "Channel:0:0");
  EXPECT_EQ(dna.name, "DNA");
  EXPECT_EQ(dna.emission_wavelength, 461.0);
  EXPECT_EQ(dna.emission_wavelength_unit, "nm");
  EXPECT_EQ(dna.excitation_wavelength, 0.405);
  EXPECT_EQ(dna.excitation_wavelength_unit, "µm");
  EXPECT_EQ(dna.illumination_type, "Epifluorescence");
  EXPECT_EQ(dna.color_rgba, 0xFF0000FF);  // -16776961 as unsigned RGBA
  EXPECT_EQ(image.channels[1].name, std::nullopt);
  EXPECT_EQ(image.channels[1].color_rgba, std::nullopt);
  EXPECT_EQ(image.channels[2].color_rgba, 0x0000FFFF);
  EXPECT_EQ(image.samples_per_pixel, 1);
}

TEST(OmeXmlTest, NoTiffDataMeansIfdsInDimensionOrder) {
  // XYCTZ: C fastest, then T, then Z.
  const std::string xml = Document(
      R"(DimensionOrder="XYCTZ" Type="uint8" SizeX="4" SizeY="4" SizeZ="2" SizeC="3" SizeT="2")",
      "");
  ASSERT_OK_AND_ASSIGN(OmeXml doc, ParseOmeXml(xml));
  const OmeXmlImage& image = doc.images[0];
  ASSERT_EQ(image.plane_ifd.size(), 12u);
  for (int64_t z = 0; z < 2; ++z) {
    for (int64_t t = 0; t < 2; ++t) {
      for (int64_t c = 0; c < 3; ++c) {
        EXPECT_EQ(image.plane_ifd[image.PlaneIndex(t, c, z)], c + 3 * (t + 2 * z))
            << t << c << z;
      }
    }
  }
}

TEST(OmeXmlTest, TiffDataMapsPlanes) {
  // One TiffData per plane in a shuffled order, as Bio-Formats writes them (with UUIDs
  // naming this file).
  std::string inner;
  int64_t ifd = 0;
  for (int64_t t : {1, 0}) {
    for (int64_t c = 0; c < 3; ++c) {
      for (int64_t z = 0; z < 2; ++z) {
        inner += "<TiffData FirstC=\"" + std::to_string(c) + "\" FirstT=\"" +
                 std::to_string(t) + "\" FirstZ=\"" + std::to_string(z) + "\" IFD=\"" +
                 std::to_string(ifd++) +
                 "\" PlaneCount=\"1\"><UUID FileName=\"a.ome.tif\">urn:uuid:1</UUID>"
                 "</TiffData>";
      }
    }
  }
  OmeXmlParseOptions options;
  options.num_ifds = 12;
  ASSERT_OK_AND_ASSIGN(
      OmeXml doc, ParseOmeXml(Document(kSizes, inner, R"(UUID="urn:uuid:1")"), options));
  const OmeXmlImage& image = doc.images[0];
  EXPECT_EQ(doc.uuid, "urn:uuid:1");
  EXPECT_EQ(image.plane_ifd[image.PlaneIndex(1, 0, 0)], 0);
  EXPECT_EQ(image.plane_ifd[image.PlaneIndex(1, 0, 1)], 1);
  EXPECT_EQ(image.plane_ifd[image.PlaneIndex(1, 2, 1)], 5);
  EXPECT_EQ(image.plane_ifd[image.PlaneIndex(0, 0, 0)], 6);
  EXPECT_EQ(image.plane_ifd[image.PlaneIndex(0, 2, 1)], 11);
}

TEST(OmeXmlTest, TiffDataDefaultsAndRuns) {
  OmeXmlParseOptions options;
  options.num_ifds = 20;
  // A lone <TiffData/> covers every IFD from plane 0.
  ASSERT_OK_AND_ASSIGN(OmeXml all, ParseOmeXml(Document(kSizes, "<TiffData/>"), options));
  for (int64_t i = 0; i < 12; ++i) {
    // XYZCT: plane i is z = i % 2, c = (i / 2) % 3, t = i / 6.
    EXPECT_EQ(
        all.images[0].plane_ifd[all.images[0].PlaneIndex(i / 6, (i / 2) % 3, i % 2)], i);
  }
  // Runs: PlaneCount IFDs from IFD onto consecutive planes from (FirstZ, FirstC, FirstT);
  // IFD without PlaneCount maps one plane; planes no TiffData names stay unmapped (-1).
  ASSERT_OK_AND_ASSIGN(
      OmeXml runs,
      ParseOmeXml(
          Document(kSizes, R"(<TiffData IFD="10" FirstC="1" PlaneCount="3"/>)"
                           R"(<TiffData IFD="2" FirstT="1" FirstC="2" FirstZ="1"/>)"),
          options));
  const OmeXmlImage& image = runs.images[0];
  EXPECT_EQ(image.plane_ifd[image.PlaneIndex(0, 1, 0)], 10);
  EXPECT_EQ(image.plane_ifd[image.PlaneIndex(0, 1, 1)], 11);
  EXPECT_EQ(image.plane_ifd[image.PlaneIndex(0, 2, 0)], 12);
  EXPECT_EQ(image.plane_ifd[image.PlaneIndex(1, 2, 1)], 2);
  EXPECT_EQ(image.plane_ifd[image.PlaneIndex(0, 0, 0)], -1);
  EXPECT_EQ(image.plane_ifd[image.PlaneIndex(1, 0, 0)], -1);
}

TEST(OmeXmlTest, NamespacePrefixesAndRgb) {
  const std::string xml =
      R"(<ome:OME xmlns:ome="http://www.openmicroscopy.org/Schemas/OME/2016-06">)"
      R"(<ome:Image ID="Image:0"><ome:Pixels DimensionOrder="XYCZT" Type="uint8" SizeX="5" )"
      R"(SizeY="4" SizeZ="2" SizeC="3" SizeT="1"><ome:Channel SamplesPerPixel="3"/>)"
      R"(</ome:Pixels></ome:Image></ome:OME>)";
  ASSERT_OK_AND_ASSIGN(OmeXml doc, ParseOmeXml(xml));
  const OmeXmlImage& image = doc.images[0];
  EXPECT_EQ(image.samples_per_pixel, 3);
  EXPECT_EQ(image.effective_size_c(), 1);
  EXPECT_EQ(image.num_planes(), 2);
  EXPECT_EQ(image.plane_ifd, (std::vector<int64_t>{0, 1}));
}

TEST(OmeXmlTest, SeveralImages) {
  const std::string xml =
      R"(<OME><Image ID="Image:0"><Pixels DimensionOrder="XYZCT" Type="uint8" SizeX="5" )"
      R"(SizeY="4" SizeZ="1" SizeC="1" SizeT="1"><TiffData IFD="0"/></Pixels></Image>)"
      R"(<Image ID="Image:1"><Pixels DimensionOrder="XYZCT" Type="float" SizeX="2" )"
      R"(SizeY="3" SizeZ="2" SizeC="1" SizeT="1"><TiffData IFD="1" PlaneCount="2"/>)"
      R"(</Pixels></Image></OME>)";
  ASSERT_OK_AND_ASSIGN(OmeXml doc, ParseOmeXml(xml, OmeXmlParseOptions{3}));
  ASSERT_EQ(doc.images.size(), 2u);
  EXPECT_EQ(doc.images[1].type, "float");
  EXPECT_EQ(doc.images[1].plane_ifd, (std::vector<int64_t>{1, 2}));
}

TEST(OmeXmlTest, Errors) {
  auto parse = [](const std::string& xml,
                  std::optional<int64_t> num_ifds = std::nullopt) {
    OmeXmlParseOptions options;
    options.num_ifds = num_ifds;
    return ParseOmeXml(xml, options).status();
  };
  const std::string sizes_without_x =
      R"(DimensionOrder="XYZCT" Type="uint8" SizeY="4" SizeZ="1" SizeC="1" SizeT="1")";
  EXPECT_STATUS(parse(Document(sizes_without_x, "")), Invalid,
                "OME-XML: Pixels SizeX is missing");
  EXPECT_STATUS(
      parse(Document(
          R"(DimensionOrder="XYZCT" Type="uint8" SizeX="4" SizeY="x4" SizeZ="1" )"
          R"(SizeC="1" SizeT="1")",
          "")),
      Invalid, "OME-XML: Pixels SizeY 'x4' is not an integer");
  EXPECT_STATUS(
      parse(
          Document(R"(DimensionOrder="XYZCT" Type="uint8" SizeX="4" SizeY="4" SizeZ="0" )"
                   R"(SizeC="1" SizeT="1")",
                   "")),
      Invalid, "OME-XML: Pixels SizeZ must be positive, got 0");
  EXPECT_STATUS(
      parse(
          Document(R"(DimensionOrder="XYZZT" Type="uint8" SizeX="4" SizeY="4" SizeZ="1" )"
                   R"(SizeC="1" SizeT="1")",
                   "")),
      Invalid,
      "OME-XML: Pixels DimensionOrder 'XYZZT' is not one of XYZCT, XYZTC, XYCZT, "
      "XYCTZ, XYTZC, XYTCZ");
  EXPECT_STATUS(
      parse(Document(R"(Type="uint8" SizeX="4" SizeY="4" SizeZ="1" SizeC="1" SizeT="1")",
                     "")),
      Invalid, "OME-XML: Pixels DimensionOrder is missing");
  EXPECT_STATUS(
      parse(Document(R"(DimensionOrder="XYZCT" SizeX="4" SizeY="4" SizeZ="1" SizeC="1" )"
                     R"(SizeT="1")",
                     "")),
      Invalid, "OME-XML: Pixels Type is missing");
  EXPECT_STATUS(parse(Document(std::string(kSizes) + R"( PhysicalSizeX="abc")", "")),
                Invalid, "OME-XML: Pixels PhysicalSizeX 'abc' is not a number");
  EXPECT_OK(parse(Document(kSizes, "")));  // no IFD count: nothing to check against
  EXPECT_STATUS(
      parse(Document(kSizes, ""), 7), Invalid,
      "OME-XML: Pixels declares 12 planes (SizeZ 2 x SizeC 3 x SizeT 2) but the "
      "file has only 7 IFDs");
  EXPECT_STATUS(parse(Document(kSizes, R"(<TiffData IFD="12" PlaneCount="1"/>)"), 12),
                Invalid, "OME-XML: TiffData IFD 12 is beyond the 12 IFDs of the file");
  EXPECT_STATUS(
      parse(Document(kSizes, R"(<TiffData IFD="10" PlaneCount="4"/>)"), 12), Invalid,
      "OME-XML: TiffData IFD 10 with PlaneCount 4 reaches IFD 13, beyond the 12 "
      "IFDs of the file");
  EXPECT_STATUS(parse(Document(kSizes, R"(<TiffData FirstZ="2"/>)"), 12), Invalid,
                "OME-XML: TiffData 0 FirstZ 2 is out of range for SizeZ 2");
  EXPECT_STATUS(
      parse(Document(kSizes, R"(<TiffData FirstT="1" IFD="0" PlaneCount="7"/>)"), 20),
      Invalid,
      "OME-XML: TiffData 0 (FirstZ 0, FirstT 1, FirstC 0, PlaneCount 7) runs past "
      "the 12 planes of the image");
  EXPECT_STATUS(parse(Document(kSizes, R"(<TiffData IFD="-1"/>)"), 12), Invalid,
                "OME-XML: TiffData 0 IFD must not be negative, got -1");
  EXPECT_STATUS(
      parse(Document(kSizes,
                     R"(<TiffData IFD="0"><UUID FileName="b.ome.tif">urn:uuid:2</UUID>)"
                     R"(</TiffData>)",
                     R"(UUID="urn:uuid:1")")),
      NotImplemented,
      "OME-XML: TiffData 0 refers to another file ('b.ome.tif'); multi-file OME-TIFF "
      "sets "
      "are not supported");
  EXPECT_STATUS(parse(Document(kSizes, R"(<Channel SamplesPerPixel="2"/>)")), Invalid,
                "OME-XML: Pixels SizeC 3 is not a multiple of SamplesPerPixel 2");
  EXPECT_STATUS(parse(Document(kSizes, R"(<Channel Color="99999999999"/>)")), Invalid,
                "OME-XML: Channel 0 Color 99999999999 is not a 32-bit RGBA value");
  EXPECT_STATUS(
      parse(Document(R"(DimensionOrder="XYZCT" Type="uint8" SizeX="4" SizeY="4" )"
                     R"(SizeZ="100000" SizeC="100000" SizeT="100000")",
                     "")),
      Invalid,
      "OME-XML: Pixels declares too many planes (SizeZ 100000, SizeC 100000, SizeT "
      "100000)");
  EXPECT_STATUS_HAS(parse("<OME><Image><Pixels SizeX=\"1\"</OME>"),
                    "OME-XML: not well-formed XML");
  EXPECT_STATUS(parse("<NotOME/>"), Invalid,
                "OME-XML: the root element is 'NotOME', not OME");
  EXPECT_STATUS(parse("<OME><Image ID=\"Image:0\"/></OME>"), Invalid,
                "OME-XML: Image 0 has no Pixels element");
  EXPECT_STATUS(parse("<OME/>"), Invalid, "OME-XML: no Image element");
  EXPECT_STATUS(parse(""), Invalid,
                "OME-XML: not well-formed XML (No document element found at offset 0)");
}

TEST(OmeXmlTest, LengthUnits) {
  EXPECT_EQ(LengthToMicrometres(500, "nm"), 0.5);
  EXPECT_EQ(LengthToMicrometres(2, "µm"), 2.0);
  EXPECT_EQ(LengthToMicrometres(2, "um"), 2.0);
  EXPECT_EQ(LengthToMicrometres(1, "mm"), 1000.0);
  EXPECT_EQ(LengthToMicrometres(5000, "Å"), 0.5);
  EXPECT_EQ(LengthToMicrometres(1, "parsec"), std::nullopt);
}

}  // namespace
}  // namespace omearrow
